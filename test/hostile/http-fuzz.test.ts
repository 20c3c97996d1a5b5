/**
 * Hostile HTTP input, property-based: ingest's API and persist's query parameters take malformed JSON,
 * wrong types, huge fields, invalid UTF-8, deep nesting, unknown fields and header abuse. Every request
 * is answered with a 4xx and a reason (never a 5xx other than 503 for Kafka, never a hang), no process
 * crashes, and the valid events sent in the same batches are acknowledged and land on the raw topic
 * exactly once, and nothing refused lands there. The services run as separate processes on the real
 * broker, registry and PostgreSQL.
 *
 * Generated values are small descriptors (a deep-nesting case is {depth}, not the text), so a failing
 * case prints in a few lines; fc.assert stops at the first failure without shrinking (each run is a
 * real request).
 */
import * as net from 'node:net';
import * as fc from 'fast-check';
import type { RawEvent } from '@sluice/contracts';
import type { AvroSerde } from '@sluice/runtime';
import { provision, uniquePrefix, eventually } from '../support/kafka';
import type { ServiceProcess } from '../support/processes';
import { commonEnv, createDatabase, expectAlive, rawRequest, readWholeTopic, secret, sha256hex, startAll, within, type TestDatabase } from './harness';

jest.setTimeout(120_000);

const API_KEY = secret('fuzz-ingest-key');
const TOKEN = secret('fuzz-query-token');
/** Small enough that a too-large body is cheap to send, large enough for an event past Kafka's 1 MB record limit. */
const MAX_BODY = 1_572_864;
/** Runs per property; FUZZ_RUNS_SCALE=10 explores ten times as many inputs (CI keeps the default). */
const runs = (n: number): number => Math.round(n * Number(process.env.FUZZ_RUNS_SCALE ?? 1));
const RUN = Date.now().toString(36);
const KINDS = ['POST', 'COMMENT', 'VIDEO', 'NEWS', 'CHAT', 'LINK', 'LINK_METRIC', 'OTHER'] as const;
const T0 = Date.now();

let seq = 0;
const nextId = (what: string) => `${what}-${RUN}-${++seq}`;

/** Ids ingest acknowledged (202, or accepted in a 207): each must be on the raw topic exactly once. */
const acknowledged = new Set<string>();
/** Ids of events ingest refused: none may reach the raw topic. */
const refused = new Set<string>();

// ---------------------------------------------------------------------------------------------------
// Generators

const validEvent = fc.record(
  {
    source: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/),
    kind: fc.constantFrom(...KINDS),
    occurredAt: fc.oneof(
      fc.integer({ min: T0 - 3_600_000, max: T0 - 1000 }),
      fc.integer({ min: T0 - 3_600_000, max: T0 - 1000 }).map((ms) => new Date(ms).toISOString()),
    ),
    author: fc.record(
      {
        id: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
        handle: fc.option(fc.string({ maxLength: 30 })),
        followers: fc.option(fc.nat({ max: 1_000_000_000 })),
        verified: fc.boolean(),
      },
      { requiredKeys: ['id'] },
    ),
    // Any code point, NUL and other control characters included: valid JSON text is valid here.
    text: fc.option(fc.string({ unit: 'binary', maxLength: 300 })),
    url: fc.option(fc.webUrl()),
    lang: fc.option(fc.constantFrom('ar', 'en', 'fr')),
    parentId: fc.option(fc.string({ minLength: 1, maxLength: 40 })),
    engagement: fc.option(fc.record({ likes: fc.nat(), shares: fc.nat(), comments: fc.nat(), views: fc.nat() }, { requiredKeys: [] })),
    // "__proto__" would be a legal map key, but avsc drops it on decode; not what this test is about.
    attributes: fc.dictionary(
      fc.string({ maxLength: 20 }).filter((k) => k !== '__proto__'),
      fc.string({ unit: 'binary', maxLength: 40 }),
      { maxKeys: 4 },
    ),
  },
  { requiredKeys: ['source', 'kind', 'occurredAt', 'author'] },
);
type ValidEvent = typeof validEvent extends fc.Arbitrary<infer T> ? T : never;

/** One field of an otherwise valid event replaced by something of the wrong type or shape. */
const WRONG: Array<[path: string, value: unknown]> = [
  ['source', 123],
  ['source', ''],
  ['source', 'UPPER case'],
  ['source', 'a'.repeat(65)],
  ['kind', 'NOPE'],
  ['kind', 3],
  ['kind', null],
  ['occurredAt', 'yesterday'],
  ['occurredAt', 1.5],
  ['occurredAt', true],
  ['occurredAt', '2024-13-45T00:00:00Z'],
  ['occurredAt', null],
  ['occurredAt', 1e400],
  ['author', 'someone'],
  ['author', null],
  ['author', []],
  ['author', {}],
  ['author.id', ''],
  ['author.id', 7],
  ['author.followers', -1.5],
  ['author.followers', 'many'],
  ['author.followers', 1e30],
  ['author.verified', 'yes'],
  ['text', 42],
  ['text', {}],
  ['text', ['a']],
  ['attributes', { k: 1 }],
  ['attributes', []],
  ['attributes', 'x'],
  ['engagement', { likes: 'a' }],
  ['engagement', 5],
  ['id', 5],
  ['id', ''],
  ['id', 'x'.repeat(129)],
  ['receivedAt', 1700000000000],
  ['producer', 'someone-else'],
  ['lang', 5],
  ['url', false],
];

type Hostile =
  | { t: 'not-object'; value: unknown }
  | { t: 'wrong'; index: number }
  | { t: 'unknown-field'; where: 'top' | 'author' | 'engagement'; name: string }
  | { t: 'huge'; field: 'source' | 'id' | 'author.id'; size: number }
  | { t: 'deep'; where: 'item' | 'text' | 'attributes' | 'author' | 'unknown-field'; depth: number; shape: 'array' | 'object' };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({ t: fc.constant('not-object' as const), value: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 })) }),
  fc.record({ t: fc.constant('wrong' as const), index: fc.nat({ max: WRONG.length - 1 }) }),
  fc.record({ t: fc.constant('unknown-field' as const), where: fc.constantFrom('top' as const, 'author' as const, 'engagement' as const), name: fc.stringMatching(/^x_[a-zA-Z]{1,10}$/) }),
  fc.record({ t: fc.constant('huge' as const), field: fc.constantFrom('source' as const, 'id' as const, 'author.id' as const), size: fc.integer({ min: 300, max: 100_000 }) }),
  fc.record({
    t: fc.constant('deep' as const),
    where: fc.constantFrom('item' as const, 'text' as const, 'attributes' as const, 'author' as const, 'unknown-field' as const),
    depth: fc.oneof(fc.constant(10_000), fc.integer({ min: 1000, max: 50_000 })),
    shape: fc.constantFrom('array' as const, 'object' as const),
  }),
);

const nested = (depth: number, shape: 'array' | 'object') => (shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** An item of a batch as JSON text (deep nesting cannot go through JSON.stringify), and what ingest must do with it. */
interface Item {
  json: string;
  valid: boolean;
  id?: string;
}

function validItem(e: ValidEvent): Item {
  const id = nextId('ok');
  return { json: JSON.stringify({ ...e, id }), valid: true, id };
}

function baseEvent(id: string): Record<string, unknown> {
  return { id, source: 'fuzz', kind: 'POST', occurredAt: T0 - 5000, author: { id: 'a1', handle: 'h', followers: 1, verified: false }, engagement: { likes: 1, shares: 0, comments: 0, views: 0 }, text: 'hostile' };
}

function hostileItem(h: Hostile): Item {
  const id = nextId('bad');
  const e = baseEvent(id);
  switch (h.t) {
    case 'not-object':
      return { json: JSON.stringify(h.value), valid: false };
    case 'wrong': {
      const [path, value] = WRONG[h.index];
      const [a, b] = path.split('.');
      if (b) (e[a] as Record<string, unknown>)[b] = value;
      else e[a] = value;
      // A replaced id is not ours any more; the 1e400 literal must reach the server as written.
      const json = JSON.stringify(e).replace('"occurredAt":null', value === 1e400 ? '"occurredAt":1e400' : '"occurredAt":null');
      return { json, valid: false, id: path === 'id' ? undefined : id };
    }
    case 'unknown-field': {
      if (h.where === 'top') e[h.name] = 'surprise';
      else (e[h.where] as Record<string, unknown>)[h.name] = 1;
      return { json: JSON.stringify(e), valid: false, id };
    }
    case 'huge': {
      const [a, b] = h.field.split('.');
      const big = h.field === 'source' ? 'a'.repeat(h.size) : 'x'.repeat(h.size);
      if (b) (e[a] as Record<string, unknown>)[b] = big;
      else e[a] = big;
      return { json: JSON.stringify(e), valid: false, id: h.field === 'id' ? undefined : id };
    }
    case 'deep': {
      const deep = nested(h.depth, h.shape);
      if (h.where === 'item') return { json: deep, valid: false };
      const slot = h.where === 'unknown-field' ? 'x_deep' : h.where;
      e[slot] = '__DEEP__';
      return { json: JSON.stringify(e).replace('"__DEEP__"', deep), valid: false, id };
    }
  }
}

/** Lines of an NDJSON body that are not JSON at all (each is one rejected item). */
const badLine = fc.oneof(
  fc.constantFrom('{"source": ', '{bad', 'undefined', "{'single': 'quotes'}", '[1,2', '}{', '\u0000\u0001', 'NaN'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => !s.includes('\n') && s.replace(/\r$/, '').trim().length > 0 && !isJson(s.replace(/\r$/, ''))),
);

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------

const auth = { Authorization: `Bearer ${API_KEY}` };

async function post(ingest: ServiceProcess, path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string; json: Record<string, unknown> | undefined }> {
  const res = await fetch(`${ingest.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? Buffer.from(body) : body, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** A refusal: 4xx with a JSON body carrying a non-empty reason or list of reasons. */
function expectRefusal(r: { status: number; text: string; json: Record<string, unknown> | undefined }, allowed: number[], what: string): void {
  if (!allowed.includes(r.status)) throw new Error(`${what}: expected ${allowed.join(' or ')}, got ${r.status}: ${r.text.slice(0, 300)}`);
  const reasons = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((y) => typeof y === 'string' && y.length > 0);
  const reason = r.json?.reason ?? r.json?.reasons;
  // A batch of nothing but bad events answers 400 with each event's reasons.
  const results = r.json?.results as Array<{ reasons?: unknown }> | undefined;
  const ok = (typeof reason === 'string' && reason.length > 0) || reasons(reason) || (Array.isArray(results) && results.length > 0 && results.every((x) => reasons(x.reasons)));
  if (!ok) throw new Error(`${what}: ${r.status} without a reason: ${r.text.slice(0, 300)}`);
}

/** Records the outcome of a batch and checks each item's result against what it should have been. */
function checkBatch(items: Item[], bodyBytes: number, r: { status: number; text: string; json: Record<string, unknown> | undefined }, what: string): void {
  if (bodyBytes > MAX_BODY) {
    // The request as a whole is too large: refused before any event is looked at.
    expectRefusal(r, [413], what);
    for (const i of items) if (i.id && !i.valid) refused.add(i.id);
    return;
  }
  const nValid = items.filter((i) => i.valid).length;
  const expected = nValid === items.length ? 202 : nValid === 0 ? 400 : 207;
  if (r.status !== expected) {
    throw new Error(`${what}: expected ${expected} (${nValid} of ${items.length} valid), got ${r.status}: ${r.text.slice(0, 400)}`);
  }
  if (expected === 400 && r.json?.results === undefined) {
    expectRefusal(r, [400], what);
    for (const i of items) if (i.id) refused.add(i.id);
    return;
  }
  const results = r.json?.results as Array<{ status: string; id?: string; reasons?: string[] }> | undefined;
  if (!results || results.length !== items.length) throw new Error(`${what}: expected ${items.length} results, got ${r.text.slice(0, 400)}`);
  items.forEach((item, i) => {
    const res = results[i];
    if (item.valid) {
      if (res.status !== 'accepted' || res.id !== item.id) throw new Error(`${what}: item ${i} is valid but got ${JSON.stringify(res).slice(0, 300)}`);
      acknowledged.add(item.id!);
    } else {
      if (res.status !== 'rejected' || !res.reasons?.length || !res.reasons.every((x) => typeof x === 'string' && x.length > 0)) {
        throw new Error(`${what}: item ${i} (${item.json.slice(0, 80)}) should be rejected with reasons, got ${JSON.stringify(res).slice(0, 300)}`);
      }
      if (item.id) refused.add(item.id);
    }
  });
}

describe('hostile HTTP input', () => {
  const prefix = uniquePrefix('hostile-http');
  let ingest: ServiceProcess;
  let persist: ServiceProcess;
  let enrich: ServiceProcess;
  let db: TestDatabase;
  let serde: AvroSerde;
  let rawTopic: string;
  let enrichedTopic: string;
  let dlqTopic: string;

  beforeAll(async () => {
    const [provisioned, database] = await Promise.all([provision(prefix), createDatabase('hostile_http')]);
    serde = provisioned.serde;
    rawTopic = provisioned.names.topic('raw');
    enrichedTopic = provisioned.names.topic('enriched');
    dlqTopic = provisioned.names.topic('dlq');
    db = database;
    const common = commonEnv(prefix);
    [ingest, persist, enrich] = await startAll([
      ['ingest', { ...common, INGEST_API_KEYS: `fuzzer:${sha256hex(API_KEY)}`, INGEST_LAG_INTERVAL_MS: '0', INGEST_MAX_BODY_BYTES: String(MAX_BODY) }],
      ['persist', { ...common, DATABASE_URL: db.url, PERSIST_API_TOKENS: `fuzzer:${TOKEN}` }],
      ['enrich', common],
    ]);
  });

  afterAll(async () => {
    await Promise.all([ingest, persist, enrich].map((p) => p?.stop()));
    await db?.drop();
  });

  describe('ingest', () => {
    test('mixed batches (JSON array, NDJSON, single event): each bad item rejected with a reason, each valid one acknowledged', async () => {
      const request = fc.record({
        format: fc.constantFrom('json' as const, 'ndjson' as const, 'single' as const),
        items: fc.array(fc.oneof({ weight: 3, arbitrary: validEvent.map((e) => ({ valid: e })) }, { weight: 2, arbitrary: hostile.map((h) => ({ hostile: h })) }), { minLength: 1, maxLength: 8 }),
        badLines: fc.array(fc.tuple(fc.nat(), badLine), { maxLength: 3 }),
        kafkaTooLarge: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
        contentType: fc.nat(),
      });
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          const items = req.items.map((x) => ('valid' in x ? validItem(x.valid) : hostileItem(x.hostile)));
          // A valid event too large for one Kafka record (1 MB): it must be rejected on its own.
          if (req.kafkaTooLarge !== null && req.format !== 'single') {
            const id = nextId('bad-kafka-size');
            items.splice(req.kafkaTooLarge % (items.length + 1), 0, { json: JSON.stringify({ ...baseEvent(id), text: 'y'.repeat(1_100_000) }), valid: false, id });
          }
          if (req.format === 'single') {
            const item = items[0];
            const types = ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'];
            const r = await post(ingest, '/v1/events', item.json, { ...auth, 'Content-Type': types[req.contentType % types.length] });
            if (item.valid) {
              if (r.status !== 202 || r.json?.id !== item.id) throw new Error(`valid event: expected 202 with id ${item.id}, got ${r.status}: ${r.text.slice(0, 300)}`);
              acknowledged.add(item.id!);
            } else {
              expectRefusal(r, [400], `single hostile event ${item.json.slice(0, 80)}`);
              if (item.id) refused.add(item.id);
            }
            return;
          }
          if (req.format === 'json') {
            const types = ['application/json', 'application/json; charset=utf-8'];
            const body = `[${items.map((i) => i.json).join(',')}]`;
            const r = await post(ingest, '/v1/events/batch', body, { ...auth, 'Content-Type': types[req.contentType % types.length] });
            checkBatch(items, Buffer.byteLength(body), r, 'JSON batch');
            return;
          }
          // NDJSON: lines that are not JSON are rejected one by one, like any other bad item.
          for (const [at, line] of req.badLines) items.splice(at % (items.length + 1), 0, { json: line, valid: false });
          const types = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];
          const eol = req.contentType % 2 ? '\r\n' : '\n';
          const body = items.map((i) => i.json).join(eol) + eol;
          const r = await post(ingest, '/v1/events/batch', body, { ...auth, 'Content-Type': types[req.contentType % types.length] });
          checkBatch(items, Buffer.byteLength(body), r, 'NDJSON batch');
        }),
        { numRuns: runs(100), endOnFailure: true },
      );
    });

    test('malformed bodies: malformed JSON, invalid UTF-8, deep nesting, wrong media types, too large: 4xx with a reason', async () => {
      type Body =
        | { t: 'bytes'; bytes: Uint8Array }
        | { t: 'text'; text: string }
        | { t: 'truncated'; event: ValidEvent; cut: number }
        | { t: 'invalid-utf8'; event: ValidEvent; seq: number; at: 'text' | 'source' | 'key' | 'between' }
        | { t: 'not-an-event'; value: unknown }
        | { t: 'deep'; depth: number; shape: 'array' | 'object' | 'unclosed' }
        | { t: 'empty'; text: string }
        | { t: 'media-type'; contentType: string | null }
        | { t: 'too-large' };
      const BAD_UTF8 = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80]];
      const body: fc.Arbitrary<Body> = fc.oneof(
        fc.record({ t: fc.constant('bytes' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 2000 }) }),
        fc.record({ t: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 200 }) }),
        fc.record({ t: fc.constant('truncated' as const), event: validEvent, cut: fc.nat() }),
        fc.record({ t: fc.constant('invalid-utf8' as const), event: validEvent, seq: fc.nat({ max: BAD_UTF8.length - 1 }), at: fc.constantFrom('text' as const, 'source' as const, 'key' as const, 'between' as const) }),
        fc.record({ t: fc.constant('not-an-event' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
        fc.record({ t: fc.constant('deep' as const), depth: fc.oneof(fc.constant(10_000), fc.integer({ min: 1000, max: 200_000 })), shape: fc.constantFrom('array' as const, 'object' as const, 'unclosed' as const) }),
        fc.record({ t: fc.constant('empty' as const), text: fc.constantFrom('', ' ', '\n\n', '\ufeff', 'null', '\ufeff{}') }),
        fc.record({ t: fc.constant('media-type' as const), contentType: fc.constantFrom(null, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', '', '*/*', 'application/x-www-form-urlencoded') }),
        fc.record({ t: fc.constant('too-large' as const) }),
      );
      const build = (b: Body, route: 'event' | 'batch'): { bytes: Buffer; contentType: string | null; expect: number[] } => {
        const wrap = (s: string) => (route === 'batch' ? `[${s}]` : s);
        const ok = (json: string) => Buffer.from(wrap(json));
        const eventJson = (e: ValidEvent) => JSON.stringify({ ...e, id: nextId('bad-body') });
        switch (b.t) {
          case 'bytes':
            // Random bytes that happen to parse are a junk event or batch: still a 400.
            return { bytes: Buffer.from(b.bytes), contentType: 'application/json', expect: [400] };
          case 'text':
            return { bytes: Buffer.from(b.text), contentType: 'application/json', expect: [400] };
          case 'truncated': {
            const full = wrap(eventJson(b.event));
            return { bytes: Buffer.from(full.slice(0, b.cut % full.length)), contentType: 'application/json', expect: [400] };
          }
          case 'invalid-utf8': {
            const json = wrap(eventJson({ ...b.event, text: 'before-BAD-after' }));
            const marker = b.at === 'text' ? 'BAD' : b.at === 'source' ? `"source":"` : b.at === 'key' ? '"kind"' : ',"kind"';
            // Inside the text or the source value, inside a key, or between members.
            const i = json.indexOf(marker) + (b.at === 'source' ? marker.length : b.at === 'key' ? 2 : 0);
            const bytes = Buffer.concat([Buffer.from(json.slice(0, i)), Buffer.from(BAD_UTF8[b.seq]), Buffer.from(json.slice(i))]);
            return { bytes, contentType: 'application/json', expect: [400] };
          }
          case 'not-an-event':
            return { bytes: ok(JSON.stringify(b.value)), contentType: 'application/json', expect: [400] };
          case 'deep': {
            const text = b.shape === 'unclosed' ? '['.repeat(b.depth) : nested(b.depth, b.shape);
            return { bytes: ok(text), contentType: 'application/json', expect: [400] };
          }
          case 'empty':
            return { bytes: Buffer.from(b.text), contentType: 'application/json', expect: [400] };
          case 'media-type':
            return { bytes: ok(JSON.stringify(baseEvent(nextId('bad-media')))), contentType: b.contentType, expect: [415] };
          case 'too-large':
            return { bytes: Buffer.from(wrap(JSON.stringify({ ...baseEvent(nextId('bad-large')), text: 'z'.repeat(MAX_BODY) }))), contentType: 'application/json', expect: [413] };
        }
      };
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom('event' as const, 'batch' as const), async (b, route) => {
          const { bytes, contentType, expect: allowed } = build(b, route);
          const headers: Record<string, string> = { ...auth };
          if (contentType !== null) headers['Content-Type'] = contentType;
          const r = await post(ingest, route === 'event' ? '/v1/events' : '/v1/events/batch', bytes, headers);
          expectRefusal(r, allowed, `${route} body ${JSON.stringify(b).slice(0, 160)}`);
        }),
        { numRuns: runs(150), endOnFailure: true },
      );
    });

    test('header abuse: huge and many headers, duplicate Content-Type, wrong Content-Length, chunked tricks: answered, never 5xx', async () => {
      type Abuse =
        | { t: 'huge-header'; size: number }
        | { t: 'many-headers'; count: number }
        | { t: 'duplicate-content-type'; order: 'json-first' | 'text-first' }
        | { t: 'short-content-length'; cut: number }
        | { t: 'bad-content-length'; value: string }
        | { t: 'length-and-chunked' }
        | { t: 'bad-chunk' }
        | { t: 'missing-content-type' }
        | { t: 'declared-too-large' }
        | { t: 'garbage-request-line'; junk: string }
        | { t: 'bad-header-name' }
        | { t: 'wrong-method'; method: string }
        | { t: 'expect-continue' }
        | { t: 'huge-authorization'; size: number };
      const abuse: fc.Arbitrary<Abuse> = fc.oneof(
        fc.record({ t: fc.constant('huge-header' as const), size: fc.integer({ min: 17_000, max: 64_000 }) }),
        fc.record({ t: fc.constant('many-headers' as const), count: fc.integer({ min: 1500, max: 4000 }) }),
        fc.record({ t: fc.constant('duplicate-content-type' as const), order: fc.constantFrom('json-first' as const, 'text-first' as const) }),
        fc.record({ t: fc.constant('short-content-length' as const), cut: fc.integer({ min: 1, max: 60 }) }),
        fc.record({ t: fc.constant('bad-content-length' as const), value: fc.constantFrom('-5', 'abc', '1.5', '99999999999999999999', '0x10', '12, 13') }),
        fc.record({ t: fc.constant('length-and-chunked' as const) }),
        fc.record({ t: fc.constant('bad-chunk' as const) }),
        fc.record({ t: fc.constant('missing-content-type' as const) }),
        fc.record({ t: fc.constant('declared-too-large' as const) }),
        fc.record({ t: fc.constant('garbage-request-line' as const), junk: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }) }),
        fc.record({ t: fc.constant('bad-header-name' as const) }),
        fc.record({ t: fc.constant('wrong-method' as const), method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH') }),
        fc.record({ t: fc.constant('expect-continue' as const) }),
        fc.record({ t: fc.constant('huge-authorization' as const), size: fc.integer({ min: 1000, max: 15_000 }) }),
      );
      await fc.assert(
        fc.asyncProperty(abuse, async (a) => {
          const id = nextId('hdr');
          const body = JSON.stringify(baseEvent(id));
          const len = Buffer.byteLength(body);
          const key = `Authorization: Bearer ${API_KEY}\r\n`;
          const head = (extra: string, method = 'POST') => `${method} /v1/events HTTP/1.1\r\nHost: ingest\r\n${extra}`;
          let request: string;
          let expected: number[];
          let validIfAccepted = false;
          switch (a.t) {
            case 'huge-header':
              request = `${head(`${key}X-Junk: ${'j'.repeat(a.size)}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              expected = [431];
              break;
            case 'many-headers':
              request = `${head(`${key}${Array.from({ length: a.count }, (_, i) => `X-H${i}: v\r\n`).join('')}Content-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              // Node keeps the first 1000 header fields and ignores the rest, so the Content-Type after them may be missing.
              expected = [431, 415];
              break;
            case 'duplicate-content-type': {
              const [first, second] = a.order === 'json-first' ? ['application/json', 'text/plain'] : ['text/plain', 'application/json'];
              request = `${head(`${key}Content-Type: ${first}\r\nContent-Type: ${second}\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              // Node keeps the first Content-Type; either way the answer is definite.
              expected = a.order === 'json-first' ? [202] : [415];
              validIfAccepted = true;
              break;
            }
            case 'short-content-length':
              request = `${head(`${key}Content-Type: application/json\r\nContent-Length: ${Math.max(1, len - a.cut)}\r\n\r\n`)}${body}`;
              expected = [400];
              break;
            case 'bad-content-length':
              request = `${head(`${key}Content-Type: application/json\r\nContent-Length: ${a.value}\r\n\r\n`)}${body}`;
              expected = [400];
              break;
            case 'length-and-chunked':
              request = `${head(`${key}Content-Type: application/json\r\nContent-Length: ${len}\r\nTransfer-Encoding: chunked\r\n\r\n`)}${len.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
              expected = [400];
              break;
            case 'bad-chunk':
              request = `${head(`${key}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)}zz\r\n${body}\r\n0\r\n\r\n`;
              expected = [400];
              break;
            case 'missing-content-type':
              request = `${head(`${key}Content-Length: ${len}\r\n\r\n`)}${body}`;
              expected = [415];
              break;
            case 'declared-too-large':
              request = `${head(`${key}Content-Type: application/json\r\nContent-Length: ${MAX_BODY * 1000}\r\n\r\n`)}${body}`;
              expected = [413];
              break;
            case 'garbage-request-line':
              request = `${a.junk.replace(/[\r\n]/g, '')}\u0001 /v1/events\r\n\r\n`;
              expected = [400];
              break;
            case 'bad-header-name':
              request = `${head(`${key}Bad Header: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              expected = [400];
              break;
            case 'wrong-method':
              request = `${head(`${key}Content-Length: 0\r\n\r\n`, a.method)}`;
              expected = [405];
              break;
            case 'expect-continue':
              request = `${head(`${key}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              expected = [202];
              validIfAccepted = true;
              break;
            case 'huge-authorization':
              request = `${head(`Authorization: Bearer ${'k'.repeat(a.size)}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`)}${body}`;
              expected = [403];
              break;
          }
          const r = await rawRequest(ingest.port, request, 15_000);
          // Refusing oversized headers, the server may close before the client has read its 431.
          if (r === 'closed' && (a.t === 'huge-header' || a.t === 'many-headers')) return;
          if (r === 'timeout' || r === 'closed') throw new Error(`${a.t}: no HTTP response (${r})`);
          if (!expected.includes(r.status)) throw new Error(`${a.t}: expected ${expected.join(' or ')}, got ${r.status} ${r.body.slice(0, 200)}`);
          if (r.status === 202 && validIfAccepted) acknowledged.add(id);
          else refused.add(id);
        }),
        { numRuns: runs(80), endOnFailure: true },
      );
    });

    test('a request whose body never arrives does not hold up other requests', async () => {
      const stalled = net.connect(ingest.port, '127.0.0.1');
      await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
      stalled.write(`POST /v1/events HTTP/1.1\r\nHost: ingest\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"source":`);
      try {
        const id = nextId('ok-beside-stalled');
        const r = await within(10_000, 'a request beside a stalled one', post(ingest, '/v1/events', JSON.stringify(baseEvent(id)), { ...auth, 'Content-Type': 'application/json' }));
        expect(r.status).toBe(202);
        acknowledged.add(id);
      } finally {
        stalled.destroy();
      }
    });

    // Regressions for what the properties above found, one input each, so each failure names its cause.
    test('deep nesting (10,000 levels) in an event is rejected with 400, not 500; the valid events beside it are accepted', async () => {
      const okId = nextId('ok-beside-deep');
      const badId = nextId('bad-deep');
      const deep = { ...baseEvent(badId), text: '__DEEP__' };
      const body = `[${JSON.stringify(baseEvent(okId))},${JSON.stringify(deep).replace('"__DEEP__"', nested(10_000, 'array'))}]`;
      const r = await post(ingest, '/v1/events/batch', body, { ...auth, 'Content-Type': 'application/json' });
      expect({ status: r.status, body: r.text.slice(0, 300) }).toEqual({ status: 207, body: expect.stringContaining('"rejected"') });
      acknowledged.add(okId);
      refused.add(badId);
      const single = await post(ingest, '/v1/events', nested(10_000, 'array'), { ...auth, 'Content-Type': 'application/json' });
      expectRefusal(single, [400], 'a bare 10,000-level array');
    });

    test('invalid UTF-8 in a JSON body is refused with 400, not silently replaced by U+FFFD', async () => {
      const id = nextId('bad-utf8');
      const json = JSON.stringify({ ...baseEvent(id), text: 'caf\u00e9 BAD' });
      const bytes = Buffer.concat([Buffer.from(json.slice(0, json.indexOf('BAD'))), Buffer.from([0xff, 0xfe]), Buffer.from(json.slice(json.indexOf('BAD')))]);
      const r = await post(ingest, '/v1/events', bytes, { ...auth, 'Content-Type': 'application/json' });
      if (r.status === 202) acknowledged.add(id);
      else refused.add(id);
      expectRefusal(r, [400], 'an event with the bytes FF FE inside its text');
    });

    test('an event too large for a Kafka record is rejected on its own with a reason (not 503); the valid events beside it are accepted', async () => {
      const okIds = [nextId('ok-beside-huge'), nextId('ok-beside-huge')];
      const badId = nextId('bad-kafka-size');
      const body = JSON.stringify([baseEvent(okIds[0]), { ...baseEvent(badId), text: 'y'.repeat(1_100_000) }, baseEvent(okIds[1])]);
      const r = await post(ingest, '/v1/events/batch', body, { ...auth, 'Content-Type': 'application/json' });
      expect({ status: r.status, body: r.text.slice(0, 400) }).toEqual({ status: 207, body: expect.stringContaining('"accepted":2') });
      const results = r.json?.results as Array<{ status: string; id?: string }>;
      expect(results.map((x) => x.status)).toEqual(['accepted', 'rejected', 'accepted']);
      okIds.forEach((id) => acknowledged.add(id));
      refused.add(badId);
    });

    test('what ingest acknowledges, enrich does not dead-letter: edge values are refused by ingest or flow on', async () => {
      // Each is accepted by ingest's schema today; enrich has its own checks (validate/index.ts).
      const edge: Array<[string, Record<string, unknown>]> = [
        ['text of 60,000 characters', { text: 't'.repeat(60_000) }],
        ['negative follower count', { author: { id: 'a1', handle: null, followers: -1, verified: false } }],
        ['control character in the id', { id: `${nextId('edge')}\u0001` }],
        ['url that is not http(s)', { url: 'javascript:alert(1)' }],
        ['negative engagement', { engagement: { likes: -5, shares: 0, comments: 0, views: 0 } }],
        // Event time outside enrich's window (ENRICH_MAX_AGE_MS, ENRICH_MAX_SKEW_MS): ingest applies the same
        // window to the same two times (INGEST_MAX_AGE_MS, INGEST_MAX_SKEW_MS).
        ['occurred 30 days and a minute ago', { occurredAt: Date.now() - 30 * 86_400_000 - 60_000 }],
        ['occurred 29 days and 23 hours ago', { occurredAt: Date.now() - 30 * 86_400_000 + 3_600_000 }],
        ['occurs 6 minutes from now', { occurredAt: Date.now() + 6 * 60_000 }],
        ['occurs 4 minutes from now', { occurredAt: Date.now() + 4 * 60_000 }],
      ];
      const sent = edge.map(([why, patch]) => {
        const id = (patch.id as string | undefined) ?? nextId('edge');
        return { why, id, event: { ...baseEvent(id), ...patch, id } };
      });
      const r = await post(ingest, '/v1/events/batch', JSON.stringify(sent.map((s) => s.event)), { ...auth, 'Content-Type': 'application/json' });
      expect([202, 207, 400]).toContain(r.status);
      const results = (r.json?.results as Array<{ status: string }> | undefined) ?? sent.map(() => ({ status: 'rejected' }));
      const accepted = sent.filter((_, i) => results[i].status === 'accepted');
      accepted.forEach((s) => acknowledged.add(s.id));
      sent.filter((_, i) => results[i].status !== 'accepted').forEach((s) => refused.add(s.id));
      // Every acknowledged one is either enriched or dead-lettered by enrich; it must be enriched.
      const outcome = await eventually(async () => {
        const enrichedIds = await idsOn(enrichedTopic, 'enriched');
        const dead = await deadLetteredIds();
        return accepted.every((s) => enrichedIds.has(s.id) || dead.has(s.id)) ? { enrichedIds, dead } : undefined;
      }, 60_000, 1000);
      const lost = accepted.filter((s) => outcome.dead.has(s.id)).map((s) => `${s.why}: ${outcome.dead.get(s.id)}`);
      expect(lost).toEqual([]);
    });

    async function idsOn(topic: string, key: 'raw' | 'enriched'): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      for (const rec of await readWholeTopic(topic)) {
        const v = await serde.decode<RawEvent | { event: RawEvent }>(key, rec.value);
        const id = key === 'raw' ? (v as RawEvent).id : (v as { event: RawEvent }).event.id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    }

    async function deadLetteredIds(): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const rec of await readWholeTopic(dlqTopic)) {
        const letter = await serde.decode<{ stage: string; reason: string; value: Buffer | null }>('dlq', rec.value);
        try {
          const ev = await serde.decode<RawEvent>('raw', letter.value);
          out.set(ev.id, `${letter.stage}: ${letter.reason}`);
        } catch {
          // Not a raw event: not one of ours.
        }
      }
      return out;
    }

    test('every acknowledged event is on the raw topic exactly once, nothing refused is, and enrich dead-letters none of them', async () => {
      expect(acknowledged.size).toBeGreaterThan(0);
      const counts = await idsOn(rawTopic, 'raw');
      const notOnce = [...acknowledged].filter((id) => counts.get(id) !== 1).map((id) => `${id}: ${counts.get(id) ?? 0}`);
      expect(notOnce).toEqual([]);
      const leaked = [...refused].filter((id) => counts.has(id));
      expect(leaked).toEqual([]);
      // Enrich has read them all by now (or soon): none of the fuzzed valid events is dead-lettered.
      const fuzzed = [...acknowledged].filter((id) => id.startsWith('ok-'));
      const enriched = await eventually(async () => {
        const m = await idsOn(enrichedTopic, 'enriched');
        const dead = await deadLetteredIds();
        return fuzzed.every((id) => m.has(id) || dead.has(id)) ? dead : undefined;
      }, 60_000, 1000);
      expect(fuzzed.filter((id) => enriched.has(id)).map((id) => `${id}: ${enriched.get(id)}`)).toEqual([]);
    });

    test('ingest is alive and healthy after all of it', async () => {
      await expectAlive(ingest);
      await expectAlive(enrich);
    });
  });

  describe('persist query parameters', () => {
    const ROUTES: Record<string, string[]> = {
      '/v1/events': ['source', 'author', 'keyword', 'hashtag', 'from', 'to', 'minScore', 'scoreModel', 'limit', 'cursor'],
      '/v1/trends': ['kind', 'interval', 'source', 'from', 'to', 'limit'],
      '/v1/authors/top': ['source', 'from', 'to', 'by', 'limit'],
      '/v1/alerts': ['rule', 'severity', 'minSeverity', 'source', 'from', 'to', 'limit', 'cursor'],
      '/v1/alerts/counts': ['rule', 'from', 'to'],
    };
    const get = async (pathAndQuery: string) => {
      const res = await fetch(`${persist.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      let json: { problems?: Array<{ parameter: string; message: string }>; message?: string } | undefined;
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    };

    test('any query string: 200, or 400 whose problems name a parameter that was sent', async () => {
      // Characters that matter in query strings, SQL text and PostgreSQL's UTF-8 (NUL is not storable there).
      const special = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '\u0000', '\u0001', '\u00e9', '%', '&', '=', '+', ' ', '#', "'", '\ud83d\ude00'), minLength: 1, maxLength: 10 });
      const value = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        special,
        fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 800 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e400', '0x10', '999999999999999', '0000-01-01', '2024-02-30', 'a\u0000b', 'keyword', 'hour', 'HIGH', 'low', 'likes', 'true', 'null', '[]', '{}'),
      );
      // Mostly the route's own parameters, so many requests pass validation and reach the database.
      const name = (route: string) =>
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...ROUTES[route]) },
          { weight: 1, arbitrary: fc.oneof(fc.constantFrom('x', '__proto__', 'constructor', 'source[a]', 'limit[]', 'toString', ...Object.values(ROUTES).flat()), fc.string({ maxLength: 12 })) },
        );
      const anyQuery = fc.constantFrom(...Object.keys(ROUTES)).chain((route) =>
        fc.record({
          route: fc.constant(route),
          params: fc.uniqueArray(fc.tuple(name(route), value), { maxLength: 4, selector: ([k]) => k }),
          duplicate: fc.boolean(),
          rawTail: fc.option(fc.constantFrom('&%', '&source=%ZZ', '&source=%FF%FE', '&=', '&&&', '&source', '&limit=1&limit=2')),
        }),
      );
      // One free-text filter and nothing else: it passes validation and its value reaches the SQL.
      const TEXT: Record<string, string[]> = { '/v1/events': ['source', 'author', 'keyword', 'hashtag'], '/v1/trends': ['source'], '/v1/authors/top': ['source'], '/v1/alerts': ['rule', 'source'], '/v1/alerts/counts': ['rule'] };
      const textQuery = fc.constantFrom(...Object.keys(TEXT)).chain((route) =>
        fc.record({
          route: fc.constant(route),
          params: fc.tuple(fc.constantFrom(...TEXT[route]), fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }))).map((p) => [p]),
          duplicate: fc.constant(false),
          rawTail: fc.constant(null),
        }),
      );
      const query = fc.oneof(anyQuery, textQuery);
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          const sp = new URLSearchParams();
          for (const [k, v] of q.params) sp.append(k, v);
          if (q.duplicate && q.params.length) sp.append(q.params[0][0], q.params[0][1]);
          const qs = `${sp.toString()}${q.rawTail ?? ''}`;
          const r = await get(`${q.route}?${qs}`);
          const what = `GET ${q.route}?${qs.slice(0, 200)}`;
          if (r.status === 200) return;
          if (r.status !== 400) throw new Error(`${what}: expected 200 or 400, got ${r.status}: ${r.text.slice(0, 300)}`);
          const sentNames = new Set(new URLSearchParams(qs).keys());
          const problems = r.json?.problems ?? [];
          if (problems.length === 0) throw new Error(`${what}: 400 without problems: ${r.text.slice(0, 300)}`);
          for (const p of problems) {
            // A window check names from or to even when only the other was sent.
            const named = sentNames.has(p.parameter) || ((p.parameter === 'from' || p.parameter === 'to') && (sentNames.has('from') || sentNames.has('to')));
            if (!named || !p.message) throw new Error(`${what}: problem does not name a parameter that was sent: ${JSON.stringify(p)}`);
          }
        }),
        { numRuns: runs(200), endOnFailure: true },
      );
    });

    test('a NUL character in a text parameter is a 400 naming it, not a 500', async () => {
      for (const [route, name] of [['/v1/events', 'source'], ['/v1/events', 'author'], ['/v1/events', 'keyword'], ['/v1/events', 'hashtag'], ['/v1/trends', 'source'], ['/v1/authors/top', 'source'], ['/v1/alerts', 'rule'], ['/v1/alerts/counts', 'rule']]) {
        const r = await get(`${route}?${name}=a%00b`);
        expect({ route, name, status: r.status, parameter: r.json?.problems?.[0]?.parameter }).toEqual({ route, name, status: 400, parameter: name });
      }
    });

    test('a forged cursor (time out of range, NUL in its key) is a 400 naming cursor, not a 500', async () => {
      // The cursor is opaque but not signed: its filter digest is a plain hash anyone can recompute
      // (query/cursor.ts), so a client can hand back any position.
      const { createHash } = await import('node:crypto');
      const digest = (filters: Record<string, unknown>) => createHash('sha256').update(JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k] ?? null]))).digest('base64url').slice(0, 12);
      const cursor = (t: number, k: string, f: string) => Buffer.from(JSON.stringify({ t, k, f })).toString('base64url');
      const events = digest({ scoreModel: 'anomaly' });
      const alerts = digest({});
      const cases: Array<[string, string]> = [
        ['/v1/events', cursor(1e300, 'x', events)],
        ['/v1/events', cursor(-1e15, 'x', events)],
        ['/v1/events', cursor(1, 'a\u0000b', events)],
        ['/v1/alerts', cursor(1e300, 'x', alerts)],
      ];
      for (const [route, c] of cases) {
        const r = await get(`${route}?cursor=${c}`);
        expect({ route, cursor: Buffer.from(c, 'base64url').toString(), status: r.status, parameter: r.json?.problems?.[0]?.parameter }).toEqual({
          route,
          cursor: Buffer.from(c, 'base64url').toString(),
          status: 400,
          parameter: 'cursor',
        });
      }
    });

    test('persist is alive and healthy after all of it', async () => {
      await expectAlive(persist);
    });
  });
});
