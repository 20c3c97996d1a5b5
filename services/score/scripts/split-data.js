#!/usr/bin/env node
/**
 * One-off: turns the hand-written pools (one text per line, one file per language and label) into the
 * train and test files under data/. A text goes to test when FNV-1a(text) % 10 >= 6 (about 40 %), else to
 * train, so the split does not depend on the order the texts were written in. Spam examples get account
 * features from a PRNG seeded by the text (see data/README.md for the distributions).
 *
 * usage: node scripts/split-data.js <pool-dir>
 *   pool files: {en,ar}-{pos,neg,neu}.txt (sentiment), {en,ar}-spam.txt, {en,ar}-ham-links.txt
 */
const fs = require('node:fs');
const path = require('node:path');

const pool = process.argv[2];
if (!pool) {
  console.error('usage: node scripts/split-data.js <pool-dir>');
  process.exit(2);
}
const out = path.resolve(__dirname, '../data');

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
const splitOf = (text) => (fnv1a(text) % 10 >= 6 ? 'test' : 'train');

// mulberry32, seeded per text so a text always gets the same account.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(r) {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
// Spam accounts: fewer followers, rarely verified, often posting duplicates; the distributions overlap.
const ACCOUNTS = {
  spam: { log10Mean: 1.8, log10Sd: 0.9, unknown: 0.2, verified: 0.01, duplicate: 0.35 },
  ham: { log10Mean: 2.6, log10Sd: 0.9, unknown: 0.1, verified: 0.06, duplicate: 0.04 },
};
function account(label, text) {
  const r = rng(fnv1a(`account:${text}`));
  const a = ACCOUNTS[label];
  const followers = r() < a.unknown ? null : Math.max(0, Math.round(10 ** (a.log10Mean + a.log10Sd * normal(r))));
  return { followers, verified: r() < a.verified, duplicate: r() < a.duplicate };
}

const lines = (f) => fs.readFileSync(path.join(pool, f), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const LABELS = { pos: 'positive', neg: 'negative', neu: 'neutral' };

for (const lang of ['en', 'ar']) {
  const sets = { train: [], test: [] };
  const seen = new Set();
  for (const [suffix, label] of Object.entries(LABELS)) {
    for (const text of lines(`${lang}-${suffix}.txt`)) {
      if (seen.has(text)) continue;
      seen.add(text);
      sets[splitOf(text)].push(`${label}\t${text}`);
    }
  }
  for (const split of ['train', 'test']) {
    fs.mkdirSync(path.join(out, 'sentiment', split), { recursive: true });
    fs.writeFileSync(path.join(out, 'sentiment', split, `${lang}.tsv`), `${sets[split].join('\n')}\n`);
  }

  const spam = { train: [], test: [] };
  const add = (label, text) => spam[splitOf(text)].push(JSON.stringify({ label, text, ...account(label, text) }));
  for (const text of lines(`${lang}-spam.txt`)) add('spam', text);
  for (const text of lines(`${lang}-ham-links.txt`)) add('ham', text);
  for (const text of seen) add('ham', text);
  for (const split of ['train', 'test']) {
    fs.mkdirSync(path.join(out, 'spam', split), { recursive: true });
    fs.writeFileSync(path.join(out, 'spam', split, `${lang}.jsonl`), `${spam[split].join('\n')}\n`);
  }
  console.log(lang, 'sentiment', sets.train.length, '/', sets.test.length, 'spam', spam.train.length, '/', spam.test.length);
}
