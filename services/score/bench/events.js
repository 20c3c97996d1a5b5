'use strict';
/**
 * Enriched events for the benchmark: texts from the labelled data (Arabic and English posts, spam),
 * thousands of authors over several sources, event time advancing about 3,000 events a minute so
 * buckets close, and some bursts of one keyword so the rules have something to fire on.
 */
const fs = require('node:fs');
const path = require('node:path');
const { enrichedEvent } = require('../dist/testkit');

const DATA = path.resolve(__dirname, '../data');

function texts() {
  const posts = [];
  const spam = [];
  for (const split of ['train', 'test']) {
    for (const lang of ['en', 'ar']) {
      for (const line of fs.readFileSync(path.join(DATA, 'sentiment', split, `${lang}.tsv`), 'utf8').split('\n')) if (line) posts.push(line.slice(line.indexOf('\t') + 1));
      for (const line of fs.readFileSync(path.join(DATA, 'spam', split, `${lang}.jsonl`), 'utf8').split('\n')) if (line && JSON.parse(line).label === 'spam') spam.push(JSON.parse(line).text);
    }
  }
  return { posts, spam };
}

/** Events number `first` to `first + n - 1` of the benchmark stream. */
function makeEvents(n, first = 0) {
  let a = (first + 1) >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const { posts, spam } = texts();
  const sources = ['twitter', 'facebook', 'youtube', 'telegram', 'news', 'web'];
  const t0 = Date.UTC(2024, 6, 1);
  const events = [];
  for (let i = first; i < first + n; i++) {
    const minute = Math.floor(i / 3000);
    const burst = minute % 20 === 19 && r() < 0.3;
    // One post in ten is spam, from a few hundred bot accounts (authors 5000 and up).
    const isSpam = !burst && r() < 0.1;
    const text = burst ? `flood warning: water rising near the river bridge #flood ${i % 7}` : isSpam ? spam[Math.floor(r() * spam.length)] : posts[Math.floor(r() * posts.length)];
    const author = isSpam ? 5000 + Math.floor(r() * 300) : Math.floor(r() * 5000);
    const source = sources[author % sources.length];
    const e = enrichedEvent({
      id: `bench-${i}`,
      text,
      source,
      authorId: `u${author}`,
      followers: isSpam ? author % 40 : author % 50 === 0 ? 20_000 + author : 10 + ((author * 37) % 3000),
      verified: !isSpam && author % 97 === 0,
      occurredAt: t0 + minute * 60_000 + Math.floor(r() * 60_000),
      duplicate: isSpam ? r() < 0.4 : r() < 0.02,
    });
    events.push({ key: `${source}:u${author}`, value: e });
  }
  return events;
}

module.exports = { makeEvents };
