import { gzipSync } from 'node:zlib';
import * as http from 'node:http';
import * as Kafka from 'node-rdkafka';
import type { RawEvent } from '@sluice/contracts';
import { createLogger, kafkaAdminClient, registry as metrics, type AvroSerde } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, rawEvent, readTopic, uniquePrefix } from '../../../test/support/kafka';
import { ingestConfigFrom } from './config';
import { hashApiKey } from './producers';
import { startIngest, type RunningIngest } from './service';

const KEY = 'acme-test-key-0123456789';
const logger = createLogger('ingest-test', 'silent');

function config(prefix: string, extra: Record<string, string> = {}) {
  return ingestConfigFrom({
    KAFKA_BROKERS: BROKERS.join(','),
    REGISTRY_URL,
    SLUICE_TOPIC_PREFIX: prefix,
    PORT: '0',
    INGEST_API_KEYS: `acme:${hashApiKey(KEY)},other:${hashApiKey('other-key')}`,
    INGEST_MAX_BATCH_EVENTS: '20',
    INGEST_MAX_BODY_BYTES: '16384',
    INGEST_BURST: '1000',
    INGEST_LAG_INTERVAL_MS: '0',
    INGEST_KAFKA_TIMEOUT_MS: '5000',
    ...extra,
  });
}

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function post(base: string, path: string, body: unknown, opts: { key?: string | null; type?: string; raw?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'Content-Type': opts.type ?? 'application/json' };
  if (opts.key !== null) headers.Authorization = `Bearer ${opts.key ?? KEY}`;
  const res = await fetch(base + path, { method: 'POST', headers, body: opts.raw ? (body as string) : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

function event(overrides: Record<string, unknown> = {}) {
  return { source: 'twitter', kind: 'POST', occurredAt: Date.now() - 60_000, author: { id: 'u1', handle: 'someone', followers: 12 }, text: 'مرحبا hello', ...overrides };
}

/**
 * Commits a consumer group's offsets as its consumer would (kafkajs admin.setOffsets joins the group and
 * takes seconds per call; a commit from an assigned, non-member librdkafka consumer takes milliseconds).
 */
async function commitOffsets(group: string, offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
  const consumer = new Kafka.KafkaConsumer({ 'group.id': group, 'metadata.broker.list': BROKERS.join(','), 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    consumer.commitSync(offsets);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

async function decodeAll(serde: AvroSerde, topic: string, count: number): Promise<Array<{ key: string; value: RawEvent; schemaId: number }>> {
  const records = await readTopic(topic, count);
  expect(records).toHaveLength(count);
  return Promise.all(records.map(async (r) => ({ key: r.key!.toString(), value: await serde.decode<RawEvent>('raw', r.value), schemaId: r.value!.readUInt32BE(1) })));
}

describe('ingest over HTTP against the real broker and registry', () => {
  const prefix = uniquePrefix('ingest');
  let ingest: RunningIngest;
  let serde: AvroSerde;
  let rawTopic: string;
  /** Records this describe block expects in its raw topic so far. */
  let produced = 0;

  beforeAll(async () => {
    const p = await provision(prefix);
    serde = p.serde;
    rawTopic = p.names.topic('raw');
    ingest = await startIngest(config(prefix), { logger });
    await eventually(async () => ingest.sink.isConnected);
  });
  afterAll(async () => {
    await ingest?.stop();
  });

  test('202 for one event, only after Kafka acknowledged it; read back from the raw topic exactly as the schema says', async () => {
    const before = Date.now();
    const occurredAt = new Date(Math.floor(before / 1000) * 1000 - 3_600_000);
    const r = await post(ingest.url, '/v1/events', event({ occurredAt: occurredAt.toISOString().replace('.000Z', 'Z'), attributes: { campaign: 'spring' } }));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ status: 'accepted', id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/) });
    produced += 1;
    const [record] = await decodeAll(serde, rawTopic, produced);
    expect(record.key).toBe('twitter:u1');
    expect(record.schemaId).toBe(serde.schemaId('raw'));
    expect(record.value).toEqual({
      id: r.body.id,
      source: 'twitter',
      kind: 'POST',
      occurredAt: occurredAt.getTime(),
      receivedAt: expect.any(Number),
      author: { id: 'u1', handle: 'someone', followers: 12, verified: false },
      text: 'مرحبا hello',
      url: null,
      lang: null,
      parentId: null,
      engagement: null,
      attributes: { campaign: 'spring' },
      producer: 'acme',
    });
    expect(record.value.receivedAt).toBeGreaterThanOrEqual(before);
  });

  test('a batch with bad events: the valid ones are accepted (207), the others rejected with field-level reasons, and only the valid reach Kafka', async () => {
    const batch = [
      event({ id: 'batch-a' }),
      event({ author: { id: 42 }, id: 'batch-bad' }),
      event({ id: 'batch-b', kind: 'COMMENT', parentId: 'batch-a', engagement: { likes: 3 } }),
      'not an event',
    ];
    const r = await post(ingest.url, '/v1/events/batch', batch);
    expect(r.status).toBe(207);
    expect(r.body).toEqual({
      accepted: 2,
      rejected: 2,
      results: [
        { status: 'accepted', id: 'batch-a' },
        { status: 'rejected', reasons: ['events[1].author.id: expected string, got 42'] },
        { status: 'accepted', id: 'batch-b' },
        { status: 'rejected', reasons: ['events[3]: expected a RawEvent object, got "not an event"'] },
      ],
    });
    produced += 2;
    const records = await decodeAll(serde, rawTopic, produced);
    const byId = new Map(records.map((x) => [x.value.id, x.value]));
    expect(byId.has('batch-bad')).toBe(false);
    expect(byId.get('batch-b')).toMatchObject({ kind: 'COMMENT', parentId: 'batch-a', engagement: { likes: 3, shares: 0, comments: 0, views: 0 }, producer: 'acme' });
  });

  test('202 for an all-valid NDJSON batch; a line that is not JSON is rejected on its own', async () => {
    const ok = await post(ingest.url, '/v1/events/batch', [event({ id: 'nd-1' }), event({ id: 'nd-2' })].map((e) => JSON.stringify(e)).join('\n') + '\n', {
      type: 'application/x-ndjson',
      raw: true,
    });
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ accepted: 2, rejected: 0, results: [{ status: 'accepted', id: 'nd-1' }, { status: 'accepted', id: 'nd-2' }] });
    const mixed = await post(ingest.url, '/v1/events/batch', `${JSON.stringify(event({ id: 'nd-3' }))}\n{"source": "twitter",\n`, { type: 'application/x-ndjson', raw: true });
    expect(mixed.status).toBe(207);
    expect(mixed.body.results[1].reasons[0]).toMatch(/^events\[1\]: line 2 is not valid JSON/);
    produced += 3;
    const ids = (await decodeAll(serde, rawTopic, produced)).map((x) => x.value.id);
    expect(ids).toEqual(expect.arrayContaining(['nd-1', 'nd-2', 'nd-3']));
  });

  test('400 when no event of a batch is valid, with the reasons of each', async () => {
    const r = await post(ingest.url, '/v1/events/batch', [{ source: 'Twitter' }, event({ occurredAt: 'soon' })]);
    expect(r.status).toBe(400);
    expect(r.body.accepted).toBe(0);
    expect(r.body.results[0].reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^events\[0\]\.source: expected a lower-case token/), 'events[0].author: expected a Author object, got nothing']));
    expect(r.body.results[1].reasons).toEqual([expect.stringMatching(/^events\[1\]\.occurredAt: expected epoch milliseconds .* got "soon"$/)]);
  });

  test('400 for an event time outside the window (INGEST_MAX_AGE_MS, INGEST_MAX_SKEW_MS): refused here, not dead-lettered later', async () => {
    const old = await post(ingest.url, '/v1/events', event({ occurredAt: '2024-05-01T12:00:00Z' }));
    expect(old.status).toBe(400);
    expect(old.body.reasons).toEqual([expect.stringMatching(/^occurredAt: 2024-05-01T12:00:00.000Z is \d+(\.\d)? d before the time ingest received it .*; expected at most 30 d old \(INGEST_MAX_AGE_MS\)$/)]);
    const ahead = await post(ingest.url, '/v1/events/batch', [event({ id: 'window-ok' }), event({ occurredAt: Date.now() + 3_600_000 })]);
    expect(ahead.status).toBe(207);
    expect(ahead.body.results[1].reasons).toEqual([expect.stringMatching(/^events\[1\]\.occurredAt: .* after the time ingest received it .*; expected at most 5 min in the future \(INGEST_MAX_SKEW_MS\)$/)]);
    produced += 1;
  });

  test('400 for invalid JSON and for schema violations, naming the fields', async () => {
    const badJson = await post(ingest.url, '/v1/events', '{"source": "twitter",', { raw: true });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: 'invalid JSON', reason: expect.stringMatching(/^the body is not valid JSON: /) });

    const notArray = await post(ingest.url, '/v1/events/batch', event());
    expect(notArray).toMatchObject({ status: 400, body: { error: 'invalid batch', reason: 'expected a JSON array of events, got object' } });

    const bad = await post(ingest.url, '/v1/events', event({ author: { id: 'u', followers: 'lots' }, kind: 'TWEET', txt: 'typo' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid event');
    expect(bad.body.reasons).toEqual(
      expect.arrayContaining([
        'author.followers: expected null or an integer (long), got "lots"',
        expect.stringMatching(/^kind: expected one of POST, .* got "TWEET"$/),
        expect.stringMatching(/^txt: is not a field of RawEvent/),
      ]),
    );
  });

  test('401 without an API key, 403 with a wrong one', async () => {
    const none = await post(ingest.url, '/v1/events', event(), { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sluice-ingest"');
    expect(none.body.reason).toMatch(/Authorization: Bearer <key>/);
    const wrong = await post(ingest.url, '/v1/events', event(), { key: 'not-the-key' });
    expect(wrong).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    // X-API-Key works as well as a bearer token.
    const res = await fetch(`${ingest.url}/v1/events`, { method: 'POST', headers: { 'X-API-Key': 'other-key', 'Content-Type': 'application/json' }, body: JSON.stringify(event({ id: 'via-header' })) });
    expect(res.status).toBe(202);
    produced += 1;
  });

  test('413 over the byte size (declared or streamed) and over the event count', async () => {
    const big = await post(ingest.url, '/v1/events', event({ text: 'x'.repeat(20_000) }));
    expect(big.status).toBe(413);
    expect(big.body.reason).toMatch(/at most 16384 are accepted \(INGEST_MAX_BODY_BYTES\)/);

    // Chunked, without Content-Length: cut off as soon as the bound is passed.
    const streamed = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(`${ingest.url}/v1/events/batch`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.write('[');
      for (let i = 0; i < 10; i++) req.write(`${JSON.stringify(event({ text: 'y'.repeat(3000) }))},`);
      req.end('{}]');
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body.reason).toBe('request body is larger than 16384 bytes (INGEST_MAX_BODY_BYTES)');

    const many = await post(ingest.url, '/v1/events/batch', Array.from({ length: 21 }, () => ({})));
    expect(many.status).toBe(413);
    expect(many.body.reason).toBe('the batch holds 21 events; at most 20 are accepted per request (INGEST_MAX_BATCH_EVENTS)');
  });

  test('a client still uploading a body over the limit reads its 413, not a reset, and its connection stays usable', async () => {
    // From just over the limit to far more than the socket buffers hold, so the refusal often arrives while
    // the client is still sending.
    for (let i = 0; i < 60; i++) {
      const body = JSON.stringify(event({ text: 'z'.repeat(16_384 + ((i * 7919) % 200) * 10_000) }));
      const res = await post(ingest.url, i % 2 ? '/v1/events' : '/v1/events/batch', i % 2 ? body : `[${body}]`, { raw: true });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('payload too large');
    }
    const after = await post(ingest.url, '/v1/events', event({ id: 'after-413' }));
    expect(after.status).toBe(202);
    produced += 1;
  });

  test('a gzip body is inflated (bounded); an unknown Content-Encoding is 415', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify([event({ id: 'gz-1' }), event({ id: 'gz-2' })])));
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` };
    const ok = await fetch(ingest.url + '/v1/events/batch', { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body });
    expect(ok.status).toBe(202);
    produced += 2;
    const ids = (await decodeAll(serde, rawTopic, produced)).map((r) => r.value.id);
    expect(ids).toEqual(expect.arrayContaining(['gz-1', 'gz-2']));
    const bomb = gzipSync(Buffer.alloc(2_000_000, 0x20));
    const tooBig = await fetch(ingest.url + '/v1/events/batch', { method: 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: bomb });
    expect(tooBig.status).toBe(413);
    const br = await fetch(ingest.url + '/v1/events/batch', { method: 'POST', headers: { ...headers, 'Content-Encoding': 'br' }, body: 'x' });
    expect(br.status).toBe(415);
    expect(await br.json()).toMatchObject({ reason: expect.stringContaining('Content-Encoding br') });
  });

  test('415 for a content type the route does not take', async () => {
    const text = await post(ingest.url, '/v1/events', 'hello', { type: 'text/plain', raw: true });
    expect(text).toMatchObject({ status: 415, body: { error: 'unsupported media type', reason: 'Content-Type text/plain is not accepted here; expected application/json' } });
    const ndjsonSingle = await post(ingest.url, '/v1/events', JSON.stringify(event()), { type: 'application/x-ndjson', raw: true });
    expect(ndjsonSingle.status).toBe(415);
  });

  test('405 for other methods; the OpenAPI document is generated from the RawEvent schema', async () => {
    const get = await fetch(`${ingest.url}/v1/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const doc = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/v1/events', '/v1/events/batch']);
    expect(Object.keys(doc.paths['/v1/events/batch'].post.responses)).toEqual(['202', '207', '400', '401', '403', '413', '415', '429', '503']);
    const input = doc.components.schemas.RawEventInput;
    expect(input.required).toEqual(['source', 'kind', 'occurredAt', 'author']);
    expect(Object.keys(input.properties)).not.toContain('producer');
    expect(doc.paths['/v1/events/batch'].post.requestBody.content['application/json'].schema.maxItems).toBe(20);
  });

  test('requests, events and acknowledgement latency are metrics', async () => {
    const text = await (await fetch(`${ingest.url}/metrics`)).text();
    expect(text).toMatch(/sluice_ingest_requests_total\{route="\/v1\/events",status="202"\} \d+/);
    expect(text).toMatch(/sluice_ingest_requests_total\{route="\/v1\/events\/batch",status="207"\} \d+/);
    expect(text).toMatch(/sluice_ingest_events_total\{outcome="accepted"\} \d+/);
    expect(text).toMatch(/sluice_ingest_ack_seconds_count \d+/);
    expect(text).toMatch(/sluice_ingest_shedding 0/);
  });
});

describe('ingest limits producers and protects the pipeline', () => {
  test('429 with Retry-After when a key exceeds its rate (counted in events)', async () => {
    const prefix = uniquePrefix('ingest-rate');
    await provision(prefix);
    const ingest = await startIngest(config(prefix, { INGEST_RATE_PER_SEC: '1', INGEST_BURST: '5', INGEST_MAX_BATCH_EVENTS: '5' }), { logger });
    try {
      const first = await post(ingest.url, '/v1/events/batch', Array.from({ length: 5 }, () => event()));
      expect(first.status).toBe(202);
      // The bucket is empty and refills one event per second: 5 more events fit in about 5 s (less the time since).
      const second = await post(ingest.url, '/v1/events/batch', Array.from({ length: 5 }, () => event()));
      expect(second.status).toBe(429);
      const retryAfter = Number(second.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(5);
      expect(second.body).toMatchObject({
        error: 'rate limited',
        reason: `API key acme/${hashApiKey(KEY).slice(0, 8)} may send 1 events/s (burst 5); these 5 events fit again in ${retryAfter} s`,
      });
      // Another key has its own bucket.
      const other = await post(ingest.url, '/v1/events/batch', Array.from({ length: 5 }, () => event()), { key: 'other-key' });
      expect(other.status).toBe(202);
    } finally {
      await ingest.stop();
    }
  });

  test('shedding: 429 with the lagging group and a Retry-After when lag passes the bound; accepting again once it drains', async () => {
    const prefix = uniquePrefix('ingest-shed');
    const { names, serde } = await provision(prefix);
    const raw = names.topic('raw');
    // The enrich group has committed nothing, so these records are its lag.
    await produce(Array.from({ length: 30 }, (_, i) => ({ topic: raw, key: `k${i}`, value: serde.encode('raw', rawEvent()) })));
    const ingest = await startIngest(
      config(prefix, {
        INGEST_LAG_INTERVAL_MS: '200',
        INGEST_SHED_GROUPS: 'enrich',
        INGEST_SHED_MAX_LAG_RECORDS: '20',
        INGEST_SHED_MAX_LAG_SECONDS: '3600',
        INGEST_SHED_RETRY_AFTER_MAX_SECONDS: '90',
      }),
      { logger },
    );
    const admin = kafkaAdminClient(BROKERS, 'ingest-test-admin');
    await admin.connect();
    try {
      await eventually(async () => ingest.shedder.current() !== null, 20_000);
      const shed = await post(ingest.url, '/v1/events', event());
      expect(shed.status).toBe(429);
      // Nothing drains the group, so the wait is the configured maximum.
      expect(shed.headers.get('retry-after')).toBe('90');
      expect(shed.body).toMatchObject({ error: 'shedding load', shedding: { group: names.group('enrich'), lagRecords: 30, drainRate: 0, retryAfterSeconds: 90 } });
      expect(shed.body.reason).toContain(`consumer group ${names.group('enrich')} is 30 records`);
      expect(shed.body.reason).toContain('it is not consuming');
      expect(await metrics.getSingleMetricAsString('sluice_ingest_shedding')).toMatch(/sluice_ingest_shedding 1/);

      // The group catches up: commit its offsets to the end of every partition.
      const ends = await admin.fetchTopicOffsets(raw);
      await commitOffsets(names.group('enrich'), ends.map((e) => ({ topic: raw, partition: e.partition, offset: Number(e.high) })));
      const back = await eventually(async () => {
        const r = await post(ingest.url, '/v1/events', event({ id: 'after-drain' }));
        return r.status === 202 ? r : undefined;
      }, 20_000);
      expect(back.body.id).toBe('after-drain');
      expect(await metrics.getSingleMetricAsString('sluice_ingest_shedding')).toMatch(/sluice_ingest_shedding 0/);
    } finally {
      await admin.disconnect();
      await ingest.stop();
    }
  });

  test('Retry-After follows the observed drain rate', async () => {
    const prefix = uniquePrefix('ingest-drain');
    const { names, serde } = await provision(prefix);
    const raw = names.topic('raw');
    await produce(Array.from({ length: 60 }, (_, i) => ({ topic: raw, key: 'one', partition: 0, value: serde.encode('raw', rawEvent({ id: `d${i}` })) })));
    const commit = (offset: number) => commitOffsets(names.group('enrich'), [{ topic: raw, partition: 0, offset }]);
    await commit(0);
    const ingest = await startIngest(
      config(prefix, { INGEST_LAG_INTERVAL_MS: '250', INGEST_SHED_GROUPS: 'enrich', INGEST_SHED_MAX_LAG_RECORDS: '10', INGEST_SHED_RESUME_RATIO: '0.5', INGEST_SHED_RETRY_AFTER_MAX_SECONDS: '600' }),
      { logger },
    );
    try {
      await eventually(async () => ingest.shedder.current() !== null);
      // The consumer moves 10 records every half second: about 20 records/s.
      for (let offset = 10; offset <= 40; offset += 10) {
        await commit(offset);
        await new Promise((r) => setTimeout(r, 500));
      }
      const r = await post(ingest.url, '/v1/events', event());
      expect(r.status).toBe(429);
      // 20 records behind, resume at 5: the excess 15 records at the measured drain rate, far below the 600 s maximum.
      const { lagRecords, drainRate } = r.body.shedding;
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(lagRecords).toBe(20);
      expect(drainRate).toBeGreaterThan(0);
      expect(Math.abs(retryAfter - Math.max(1, Math.ceil(15 / drainRate)))).toBeLessThanOrEqual(1);
      expect(retryAfter).toBeLessThan(60);
      expect(r.body.reason).toMatch(/it drains about \d+ records\/s/);
    } finally {
      await ingest.stop();
    }
  });

  test('503 after the bounded timeout when Kafka is unreachable, never a hang', async () => {
    const prefix = uniquePrefix('ingest-down');
    const ingest = await startIngest(config(prefix, { KAFKA_BROKERS: '127.0.0.1:1', INGEST_KAFKA_TIMEOUT_MS: '1000' }), { logger });
    try {
      const started = Date.now();
      const r = await post(ingest.url, '/v1/events', event({ id: 'never-acked' }));
      const took = Date.now() - started;
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body).toMatchObject({ error: 'kafka unavailable', ids: ['never-acked'] });
      expect(r.body.reason).toMatch(/^Kafka is unreachable: not connected to Kafka at 127\.0\.0\.1:1.*\(waited 1000 ms\)/);
      expect(took).toBeLessThan(5000);
      const ready = await fetch(`${ingest.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as any).checks.kafka).toMatch(/not connected to Kafka at 127\.0\.0\.1:1/);
    } finally {
      await ingest.stop();
    }
  });
});
