// Benchmark producer, run as its own process so its CPU does not count against persist:
//   node produce.js preload <prefix> <count>          as fast as the broker acknowledges
//   node produce.js paced <prefix> <perSecond> <seconds>
// Events look like real traffic: Zipf-distributed keywords and hashtags over a 5,000-word
// vocabulary, 20,000 authors over 4 sources, three model scores. In paced mode an event's id carries
// the moment it was sent (lat-<ms>-<n>), so the latency to its commit can be read off confirmations.
'use strict';
const { AvroSerde, RegistryClient, ReliableProducer, createLogger } = require('@sluice/runtime');

const [mode, prefix, a, b] = process.argv.slice(2);
const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const REGISTRY_URL = process.env.REGISTRY_URL || 'http://127.0.0.1:8081';
const SOURCES = ['twitter', 'news', 'telegram', 'youtube'];
const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
const zipf = () => words[Math.min(words.length - 1, Math.floor(Math.exp(Math.random() * Math.log(words.length))) - 1)];
const TEXT = 'Sluice benchmark text about markets, weather and football, long enough to look like a post. ';

let n = 0;
function event(id, now) {
  n++;
  const source = SOURCES[n % SOURCES.length];
  const author = `u${Math.floor(Math.random() * 20000)}`;
  const keywords = [...new Set([zipf(), zipf(), zipf(), zipf(), zipf()])];
  return {
    enriched: {
      event: {
        id,
        source,
        kind: 'POST',
        occurredAt: now,
        receivedAt: now,
        author: { id: author, handle: author, followers: 100, verified: false },
        text: TEXT + keywords.join(' '),
        url: null,
        lang: null,
        parentId: null,
        engagement: { likes: n % 50, shares: n % 7, comments: n % 11, views: 1000 },
        attributes: { campaign: 'bench' },
        producer: `producer-${n % 5}`,
      },
      enrichment: {
        normalizedText: TEXT + keywords.join(' '),
        matchText: TEXT.toLowerCase() + keywords.join(' '),
        language: 'en',
        hashtags: [...new Set([zipf(), zipf()])],
        mentions: [],
        cashtags: [],
        urls: [],
        keywords,
        exactDuplicate: false,
        fingerprint: '0123456789abcdef',
        lookups: {},
        missing: [],
        version: 'enrich-1.0.0',
        enrichedAt: now,
      },
    },
    scores: [
      { model: 'sentiment', version: '1.0.0', label: 'neutral', score: Math.random() * 2 - 1, details: { positive: 0.3, negative: 0.2 } },
      { model: 'spam', version: '1.0.0', label: null, score: Math.random(), details: {} },
      { model: 'anomaly', version: '1.0.0', label: null, score: Math.random() * 4, details: { baseline: 1 } },
    ],
    processingVersion: 'score-1.0.0',
    scoredAt: now,
  };
}

async function main() {
  const logger = createLogger('bench-producer', 'warn');
  const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), prefix);
  await serde.register(['scored']);
  const topic = serde.naming.topic('scored');
  const producer = new ReliableProducer({ brokers: BROKERS, clientId: 'bench-producer', logger, lingerMs: 5 });
  await producer.connect();
  const record = (e) => ({ topic, key: `${e.enriched.event.source}:${e.enriched.event.author.id}`, value: serde.encode('scored', e) });
  if (mode === 'preload') {
    const total = Number(a);
    const chunk = 5000;
    const started = Date.now();
    for (let sent = 0; sent < total; sent += chunk) {
      const now = Date.now();
      await producer.send(Array.from({ length: Math.min(chunk, total - sent) }, (_, i) => record(event(`pre-${sent + i}`, now))));
    }
    process.stdout.write(`${JSON.stringify({ preloaded: total, seconds: (Date.now() - started) / 1000 })}\n`);
  } else if (mode === 'paced') {
    const rate = Number(a);
    const seconds = Number(b);
    const tickMs = 10;
    const perTick = rate / (1000 / tickMs);
    const started = Date.now();
    const pending = [];
    let sent = 0;
    while (Date.now() - started < seconds * 1000) {
      // Send what is due by now (catches up after a slow tick, never bursts ahead).
      const due = Math.floor(((Date.now() - started) / tickMs) * perTick);
      const now = Date.now();
      const batch = [];
      while (sent < due) batch.push(record(event(`lat-${now}-${sent++}`, now)));
      if (batch.length) pending.push(producer.send(batch));
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(pending);
    process.stdout.write(`${JSON.stringify({ sent, seconds: (Date.now() - started) / 1000 })}\n`);
  } else {
    throw new Error(`mode: expected preload or paced, got ${mode}`);
  }
  await producer.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
