/**
 * The client against the real thing: ingest as its own process (services/ingest/dist/main.js; build it
 * with `npx tsc -b services/ingest`), the broker and the registry. Every event is read back from the raw
 * topic and decoded with AvroSerde.
 */
import { createHash } from 'node:crypto';
import type { RawEvent } from '@sluice/contracts';
import type { AvroSerde } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, provision, readTopic, uniquePrefix } from '../../../test/support/kafka';
import { startService, type ServiceProcess } from '../../../test/support/processes';
import { createClient, type EventInput, type SendResult, type SluiceClient } from '.';

const API_KEY = 'client-test-key-6c1f0e2a';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function ingestEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: BROKERS.join(','),
    REGISTRY_URL,
    SLUICE_TOPIC_PREFIX: prefix,
    INGEST_API_KEYS: `acme:${sha256(API_KEY)}`,
    INGEST_LAG_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

let seq = 0;
function event(over: Partial<EventInput> = {}): EventInput {
  seq++;
  return {
    source: seq % 2 ? 'twitter' : 'telegram',
    kind: seq % 2 ? 'POST' : 'CHAT',
    occurredAt: Date.now() - 1000,
    author: { id: `author-${seq % 5}`, handle: `user${seq % 5}`, followers: 100 * seq, verified: seq % 7 === 0 },
    text: seq % 3 ? `انقطاع الكهرباء في الحي رقم ${seq} #عاجل` : `power is back in district ${seq} #update`,
    lang: seq % 3 ? 'ar' : 'en',
    attributes: { run: 'client-test' },
    ...over,
  };
}

async function readRaw(serde: AvroSerde, topic: string, expected: number, settleMs = 30_000) {
  // Ask for one more than expected: the read runs to its timeout, so a duplicate would show up.
  const records = await readTopic(topic, expected + 1, settleMs);
  return Promise.all(records.map(async (r) => ({ key: r.key?.toString() ?? null, event: await serde.decode<RawEvent>('raw', r.value) })));
}

const statuses = (rs: SendResult[]) => rs.reduce<Record<string, number>>((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {});

describe('client over HTTP against a real ingest process', () => {
  const prefix = uniquePrefix('client-http');
  let ingest: ServiceProcess;
  let serde: AvroSerde;
  let rawTopic: string;
  let client: SluiceClient;

  beforeAll(async () => {
    const p = await provision(prefix);
    serde = p.serde;
    rawTopic = p.names.topic('raw');
    ingest = await startService('ingest', ingestEnv(prefix, { INGEST_MAX_BATCH_EVENTS: '20', INGEST_BURST: '1000' }));
    client = createClient({ transport: 'http', url: ingest.url, apiKey: API_KEY }, { maxBatchEvents: 50, lingerMs: 10 });
  });
  afterAll(async () => {
    await client?.close();
    await ingest?.stop();
  });

  it('sends events batched, splits batches ingest finds too large, and every id lands once in the raw topic', async () => {
    const events = Array.from({ length: 60 }, (_, i) => event(i % 4 === 0 ? { id: `given-${prefix}-${i}` } : {}));
    const results = await client.sendAll(events);
    expect(statuses(results)).toEqual({ accepted: 60 });
    // Ingest takes at most 20 per request here; the client's batches of up to 50 were split.
    expect(client.stats().splits).toBeGreaterThan(0);
    for (let i = 0; i < 60; i += 4) expect(results[i].id).toBe(`given-${prefix}-${i}`);

    const read = await readRaw(serde, rawTopic, 60, 8000);
    expect(read).toHaveLength(60);
    const byId = new Map(read.map((r) => [r.event.id, r]));
    expect([...byId.keys()].sort()).toEqual(results.map((r) => r.id).sort());
    const first = byId.get(results[1].id)!;
    expect(first.event.producer).toBe('acme');
    expect(first.key).toBe(`${first.event.source}:${first.event.author.id}`);
    expect(first.event.text).toBe(events[1].text);
    expect(first.event.attributes).toEqual({ run: 'client-test' });
  });

  it("returns each invalid event's reasons from ingest and accepts the valid ones of the same batch", async () => {
    const bad = [
      event({ kind: 'TWEET' as never }),
      { ...event(), author: undefined } as unknown as EventInput,
      { ...event(), receivedAt: 5 } as unknown as EventInput,
      { ...event(), txt: 'misspelt' } as unknown as EventInput,
      event({ occurredAt: 'last tuesday' }),
    ];
    const good = event();
    const results = await client.sendAll([...bad, good]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'accepted']);
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reasons.join(' | ') : ''));
    expect(reasons[0]).toMatch(/^kind: expected one of POST, COMMENT/);
    expect(reasons[1]).toMatch(/^author: expected/);
    expect(reasons[2]).toMatch(/^receivedAt: is set by ingest/);
    expect(reasons[3]).toMatch(/^txt: is not a field of RawEvent/);
    expect(reasons[4]).toMatch(/^occurredAt: expected epoch milliseconds/);
    expect(results.every((r) => r.attempts === 1)).toBe(true);
  });

  it('fails without retrying when the API key is refused', async () => {
    const stranger = createClient({ transport: 'http', url: ingest.url, apiKey: 'not-a-key', apiKeyHeader: 'x-api-key' }, { lingerMs: 0 });
    const r = await stranger.send(event());
    expect(r).toMatchObject({ status: 'failed', attempts: 1, retryable: false, error: expect.stringMatching(/403 forbidden: the API key is not recognised/) });
    await stranger.close();
  });

  it('retries while ingest is unreachable and delivers once it is back', async () => {
    await ingest.stop();
    const sending = client.send(event({ id: `outage-${prefix}` }));
    await new Promise((r) => setTimeout(r, 1500));
    await ingest.restart();
    const r = await sending;
    expect(r).toMatchObject({ status: 'accepted', id: `outage-${prefix}` });
    expect(r.attempts).toBeGreaterThan(1);
  });
});

describe('client over HTTP against an ingest that sheds load', () => {
  const prefix = uniquePrefix('client-shed');
  let ingest: ServiceProcess;

  afterAll(async () => {
    await ingest?.stop();
  });

  it('honours 429 Retry-After, gets every event accepted in the end, and the raw topic holds each id exactly once', async () => {
    const { serde, names } = await provision(prefix);
    // 20 events/s per key with a burst of 20: 150 events sent at once must be paced by the client.
    ingest = await startService('ingest', ingestEnv(prefix, { INGEST_RATE_PER_SEC: '20', INGEST_BURST: '20', INGEST_MAX_BATCH_EVENTS: '20' }));
    const client = createClient({ transport: 'http', url: ingest.url, apiKey: API_KEY }, { maxBatchEvents: 20, maxInFlight: 4, lingerMs: 5 });
    const results = await client.sendAll(Array.from({ length: 150 }, () => event()));
    await client.close();
    expect(statuses(results)).toEqual({ accepted: 150 });
    const stats = client.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.retries).toBeGreaterThan(0);
    expect(results.some((r) => r.attempts > 1)).toBe(true);

    const read = await readRaw(serde, names.topic('raw'), 150, 6000);
    const ids = read.map((r) => r.event.id);
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    expect([...ids].sort()).toEqual(results.map((r) => r.id).sort());
  });
});

describe('client straight to Kafka', () => {
  const prefix = uniquePrefix('client-kafka');

  it('produces Confluent-framed Avro RawEvents keyed by source:author, with schema problems returned per event', async () => {
    const { serde, names } = await provision(prefix);
    const client = createClient({ transport: 'kafka', brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, clientId: 'client-test' }, { maxBatchEvents: 25, lingerMs: 5 });
    const events = Array.from({ length: 40 }, (_, i) => event(i === 3 ? { id: `direct-${prefix}` } : { occurredAt: new Date(Date.now() - i * 1000) }));
    const invalid = [
      { ...event(), author: { id: 42 } } as unknown as EventInput,
      event({ source: 'Not A Token' }),
      event({ occurredAt: 'whenever' }),
      { ...event(), engagement: { likes: 1, retweets: 2 } } as unknown as EventInput,
    ];
    const before = Date.now();
    const results = await client.sendAll([...events, ...invalid]);
    await client.close();
    expect(results.slice(0, 40).every((r) => r.status === 'accepted')).toBe(true);
    const rejected = results.slice(40).map((r) => (r.status === 'rejected' ? r.reasons.join(' | ') : r.status));
    expect(rejected[0]).toMatch(/^author\.id: expected string, got 42/);
    expect(rejected[1]).toMatch(/^source: expected a lower-case token/);
    expect(rejected[2]).toMatch(/^occurredAt: expected epoch milliseconds/);
    expect(rejected[3]).toMatch(/^engagement\.retweets: is not a field of Engagement/);
    expect(results[3].id).toBe(`direct-${prefix}`);

    const read = await readRaw(serde, names.topic('raw'), 40, 6000);
    expect(read).toHaveLength(40);
    expect(read.map((r) => r.event.id).sort()).toEqual(results.slice(0, 40).map((r) => r.id).sort());
    for (const r of read) {
      expect(r.key).toBe(`${r.event.source}:${r.event.author.id}`);
      expect(r.event.producer).toBeNull();
      expect(r.event.receivedAt).toBeGreaterThanOrEqual(before);
    }
  });
});
