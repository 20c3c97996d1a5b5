/**
 * Poison bytes written straight into every topic a stage consumes (raw → enrich, enriched → score,
 * scored and alerts → persist, alerts → notify), between valid records in the same partition: random
 * bytes, JSON instead of Avro, a wrong magic byte, an unknown schema id, a Confluent header with a
 * truncated or missing body, a record of another topic's schema, an empty value and a tombstone.
 * Each poison record is dead-lettered by every stage that reads it, with the stage, a reason, its
 * source position and its original bytes; every valid record flows on (a row in PostgreSQL, an alert
 * on the WebSocket); no process crashes. The four stages run as separate processes.
 */
import * as avro from 'avsc';
import * as fc from 'fast-check';
import { Client } from 'pg';
import WebSocket from 'ws';
import { loadSchemas, type Alert, type DeadLetter, type EnrichedEvent, type RawEvent, type ScoredEvent, type TopicKey } from '@sluice/contracts';
import { RegistryClient, type AvroSerde, type OutRecord } from '@sluice/runtime';
import { BROKERS, eventually, produce, provision, rawEvent, sleep, uniquePrefix } from '../support/kafka';
import { freePort, startService, type ServiceProcess } from '../support/processes';
import { commonEnv, createDatabase, expectAlive, readWholeTopic, secret, startAll, type TestDatabase } from './harness';

jest.setTimeout(120_000);

const TOKEN = secret('poison-analyst-token');
const RUN = Date.now().toString(36);

type Consumed = 'raw' | 'enriched' | 'scored' | 'alerts';
/** Which stages read each topic: each of them must dead-letter the poison it finds there. */
const READERS: Record<Consumed, string[]> = { raw: ['enrich'], enriched: ['score'], scored: ['persist'], alerts: ['persist', 'notify'] };

function enriched(event: RawEvent): EnrichedEvent {
  return {
    event,
    enrichment: {
      normalizedText: event.text ?? '',
      matchText: (event.text ?? '').toLowerCase(),
      language: 'en',
      hashtags: [],
      mentions: [],
      cashtags: [],
      urls: [],
      keywords: ['poison', 'test'],
      exactDuplicate: false,
      fingerprint: '0000000000000000',
      lookups: {},
      missing: [],
      version: 'enrich-poison-test',
      enrichedAt: Date.now(),
    },
  };
}

function scored(event: RawEvent): ScoredEvent {
  return {
    enriched: enriched(event),
    scores: [
      { model: 'sentiment', version: 'test', label: 'neutral', score: 0, details: {} },
      { model: 'spam', version: 'test', label: null, score: 0.01, details: {} },
    ],
    processingVersion: 'score-poison-test',
    scoredAt: Date.now(),
  };
}

function alert(i: number): Alert {
  const now = Date.now();
  return {
    id: `poison-alert-${RUN}-${i}`,
    dedupKey: `poison-dedup-${RUN}-${i}`,
    rule: 'poison-test',
    ruleVersion: 'v1',
    severity: 'LOW',
    title: `valid alert ${i} between poison records`,
    source: 'twitter',
    entity: { type: 'keyword', value: `poison${i}` },
    evidence: { eventIds: [`e-${i}`], windowStart: now - 60_000, windowEnd: now, figures: { count: i } },
    models: [],
    firedAt: now,
  };
}

/** A value of some other topic's schema, for the wrong-schema poison. */
const OTHER: Record<Consumed, TopicKey> = { raw: 'alerts', enriched: 'raw', scored: 'enriched', alerts: 'raw' };

interface Position {
  topic: string;
  partition: number;
  offset: number;
}

interface Poison {
  kind: string;
  value: Buffer | null;
}

function poisons(serde: AvroSerde, topic: Consumed, valid: unknown, other: unknown): Poison[] {
  const good = serde.encode(topic, valid);
  // Random bytes from a fixed seed, so a failure reproduces; a leading 0 would make them a (bad) frame instead.
  const [random] = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), { numRuns: 1, seed: topic.length * 7919 + 17 });
  const bytes = Buffer.from(random);
  if (bytes[0] === 0) bytes[0] = 0x42;
  const unknownId = Buffer.from(good);
  unknownId.writeUInt32BE(0x7ffffff0, 1);
  const wrongMagic = Buffer.from(good);
  wrongMagic[0] = 1;
  return [
    { kind: 'random-bytes', value: bytes },
    { kind: 'json-instead-of-avro', value: Buffer.from(JSON.stringify(valid)) },
    { kind: 'wrong-magic-byte', value: wrongMagic },
    { kind: 'unknown-schema-id', value: unknownId },
    { kind: 'truncated-body', value: good.subarray(0, 5 + Math.floor((good.length - 5) / 2)) },
    { kind: 'header-only', value: good.subarray(0, 5) },
    { kind: 'wrong-schema', value: serde.encode(OTHER[topic], other) },
    { kind: 'empty-value', value: Buffer.alloc(0) },
    { kind: 'tombstone', value: null },
  ];
}

describe('poison records in every consumed topic', () => {
  const prefix = uniquePrefix('hostile-poison');
  let db: TestDatabase;
  let procs: ServiceProcess[] = [];
  /** A registry instance of this test's own (same state topic as the shared one), so it can be stopped. */
  let registry: ServiceProcess;
  let serde: AvroSerde;
  let topicName: (k: TopicKey) => string;
  let ws: WebSocket;
  const delivered: Alert[] = [];

  beforeAll(async () => {
    const registryPort = await freePort();
    const [provisioned, database, ownRegistry] = await Promise.all([
      provision(prefix),
      createDatabase('hostile_poison'),
      startService('registry', { KAFKA_BROKERS: BROKERS.join(','), REGISTRY_PORT: String(registryPort) }, { port: registryPort }),
    ]);
    serde = provisioned.serde;
    topicName = provisioned.names.topic;
    db = database;
    registry = ownRegistry;
    const common = commonEnv(prefix);
    procs = await startAll([
      // Enrich alone asks this test's own registry, which the outage test stops.
      ['enrich', { ...common, REGISTRY_URL: registry.url }],
      ['score', common],
      ['persist', { ...common, DATABASE_URL: db.url }],
      ['notify', { ...common, NOTIFY_TOKENS: `analyst:${TOKEN}`, NOTIFY_START_FROM: 'earliest' }],
    ]);
    const notify = procs.find((p) => p.name === 'notify')!;
    ws = new WebSocket(`ws://127.0.0.1:${notify.port}/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; alert?: Alert };
      if (msg.type === 'alert' && msg.alert) delivered.push(msg.alert);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
  });

  afterAll(async () => {
    ws?.close();
    await Promise.all(procs.map((p) => p.stop()));
    await registry?.stop();
    await db?.drop();
  });

  /** Dead letters now on the DLQ topic. */
  const deadLetters = async () => Promise.all((await readWholeTopic(topicName('dlq'))).map((r) => serde.decode<DeadLetter>('dlq', r.value)));
  const sameSource = (l: DeadLetter, at: Position) => l.sourceTopic === at.topic && l.sourcePartition === at.partition && l.sourceOffset === at.offset;

  // Everything the first two tests check is produced at once, so its trips through the pipeline overlap.
  const ids = (what: string) => [0, 1, 2].map((i) => `poison-${what}-${RUN}-${i}`);
  const sid = (what: string) => `semantic-${what}-${RUN}`;
  /** Poison (undecodable) records by key. */
  const sent = new Map<string, { topic: Consumed; kind: string; value: Buffer | null }>();
  /** Records that decode but carry hostile values, by key. */
  const semantic = new Map<string, { topic: Consumed; outcome: 'dead' | 'dead-or-row' }>();
  const positions = new Map<string, Position>();
  let validAlerts: Alert[] = [];

  beforeAll(async () => {
    const valid: Record<Consumed, unknown[]> = {
      raw: ids('raw').map((id) => rawEvent({ id, text: `valid raw event ${id} between poison records` })),
      enriched: ids('enriched').map((id) => enriched(rawEvent({ id, text: `valid enriched event ${id}` }))),
      scored: ids('scored').map((id) => scored(rawEvent({ id, text: `valid scored event ${id}` }))),
      alerts: [0, 1, 2].map(alert),
    };
    validAlerts = valid.alerts as Alert[];
    const otherValue: Partial<Record<TopicKey, unknown>> = { raw: rawEvent({ id: `wrong-schema-${RUN}` }), alerts: alert(99), enriched: enriched(rawEvent({ id: `wrong-schema-e-${RUN}` })) };

    // Partition 0: valid, three poisons, valid, …, so every valid record has poison beside it.
    const records: OutRecord[] = [];
    for (const topic of Object.keys(READERS) as Consumed[]) {
      const bad = poisons(serde, topic, valid[topic][0], otherValue[OTHER[topic]]);
      for (const p of bad) {
        // The poison must really be undecodable by the serde the stages use, or the test proves nothing.
        await expect(serde.decode(topic, p.value)).rejects.toThrow();
      }
      let b = 0;
      valid[topic].forEach((v, i) => {
        records.push({ topic: topicName(topic), key: `valid:${topic}:${i}`, value: serde.encode(topic, v), partition: 0 });
        for (let n = 0; n < 3 && b < bad.length; n++, b++) {
          const key = `poison:${topic}:${bad[b].kind}`;
          sent.set(key, { topic, kind: bad[b].kind, value: bad[b].value });
          records.push({ topic: topicName(topic), key, value: bad[b].value, partition: 0, headers: { 'x-poison': bad[b].kind } });
        }
      });
    }

    // Partition 1: a record that decodes but carries hostile values, then a valid one.
    const now = Date.now();
    const hostile: Array<{ topic: Consumed; value: unknown; outcome: 'dead' | 'dead-or-row' }> = [
      // Enrich validates raw events: long before 1970, a negative count, NUL characters.
      { topic: 'raw', value: rawEvent({ id: sid('raw'), occurredAt: -1e15, author: { id: 'a', handle: null, followers: -5, verified: false }, text: '\u0000'.repeat(100) }), outcome: 'dead' },
      // Score checks little itself: huge text and lists, a time past JavaScript's dates, a count past 2^53 - 1 in sums; persist refuses the time.
      {
        topic: 'enriched',
        value: {
          ...enriched(rawEvent({ id: sid('enriched'), occurredAt: 9e15, text: `${'\u0000'.repeat(100)}${'word '.repeat(20_000)}`, engagement: { likes: 9e15, shares: -1, comments: 0, views: 0 } })),
          enrichment: { ...enriched(rawEvent()).enrichment, keywords: Array.from({ length: 5000 }, (_, i) => `k${i}`), hashtags: Array.from({ length: 2000 }, (_, i) => `h${i}`) },
        },
        outcome: 'dead-or-row',
      },
      { topic: 'scored', value: { ...scored(rawEvent({ id: sid('scored'), occurredAt: 8.7e15 })), scores: [{ model: 'sentiment', version: 't', label: null, score: NaN, details: { a: Infinity, b: -Infinity } }] }, outcome: 'dead' },
      { topic: 'alerts', value: { ...alert(50), dedupKey: sid('alert'), firedAt: -1, title: 't'.repeat(100_000), evidence: { eventIds: [], windowStart: now, windowEnd: now - 1, figures: { x: NaN } } }, outcome: 'dead' },
    ];
    const after = { raw: rawEvent({ id: sid('raw-after') }), enriched: enriched(rawEvent({ id: sid('enriched-after') })), scored: scored(rawEvent({ id: sid('scored-after') })), alerts: { ...alert(51), dedupKey: sid('alert-after') } };
    for (const h of hostile) {
      semantic.set(`semantic:${h.topic}`, { topic: h.topic, outcome: h.outcome });
      records.push({ topic: topicName(h.topic), key: `semantic:${h.topic}`, value: serde.encode(h.topic, h.value), partition: 1 });
      records.push({ topic: topicName(h.topic), key: `after:${h.topic}`, value: serde.encode(h.topic, after[h.topic]), partition: 1 });
    }
    await produce(records);

    // Where each record of interest landed.
    for (const topic of Object.keys(READERS) as Consumed[]) {
      for (const r of await readWholeTopic(topicName(topic))) {
        const key = r.key?.toString() ?? '';
        if (sent.has(key) || semantic.has(key)) positions.set(key, { topic: topicName(topic), partition: r.partition, offset: r.offset });
      }
    }
  });

  test('each poison record is dead-lettered with stage, reason, source position and original bytes; the valid ones around it flow on', async () => {
    expect([...sent.keys()].filter((k) => !positions.has(k))).toEqual([]);
    const expected = [...sent].flatMap(([key, p]) => READERS[p.topic].map((stage) => ({ key, stage, ...p, at: positions.get(key)! })));
    const letters = await eventually(async () => {
      const all = await deadLetters();
      return expected.every((e) => all.some((l) => l.stage === e.stage && sameSource(l, e.at))) ? all : undefined;
    }, 60_000, 1000).catch(async (e: Error) => {
      const all = await deadLetters();
      const missing = expected.filter((x) => !all.some((l) => l.stage === x.stage && sameSource(l, x.at)));
      throw new Error(`${e.message}; not dead-lettered: ${missing.map((m) => `${m.stage} ← ${m.topic}/${m.kind}`).join(', ')}`);
    });

    for (const e of expected) {
      const letter = letters.find((l) => l.stage === e.stage && sameSource(l, e.at))!;
      const what = `${e.stage} ← ${e.topic}/${e.kind}`;
      expect({ what, errorType: letter.errorType, hasReason: letter.reason.length > 10, key: letter.key?.toString(), header: letter.headers?.['x-poison'] }).toEqual({
        what,
        errorType: 'decode',
        hasReason: true,
        key: e.key,
        header: e.kind,
      });
      // The original bytes, untouched (a tombstone stays null; an empty value may come back as empty or null).
      if (e.value === null || e.value.length === 0) expect({ what, length: letter.value?.length ?? 0 }).toEqual({ what, length: 0 });
      else expect({ what, same: Buffer.compare(letter.value ?? Buffer.alloc(0), e.value) === 0 }).toEqual({ what, same: true });
    }
    // Nothing valid in partition 0 was dead-lettered.
    const poisonAt = new Set([...sent.keys()].map((k) => positions.get(k)!).map((p) => `${p.topic}:${p.partition}:${p.offset}`));
    const wronglyDead = letters
      .filter((l) => l.sourcePartition === 0 && Object.keys(READERS).some((t) => l.sourceTopic === topicName(t as Consumed)) && !poisonAt.has(`${l.sourceTopic}:${l.sourcePartition}:${l.sourceOffset}`))
      .map((l) => `${l.stage} ← ${l.sourceTopic}@${l.sourceOffset}: ${l.reason}`);
    expect(wronglyDead).toEqual([]);

    // Every valid record flows on: events become rows (raw through enrich and score, enriched through score), alerts become rows and reach the WebSocket.
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const eventIds = [...ids('raw'), ...ids('enriched'), ...ids('scored')];
      await eventually(async () => Number((await client.query('SELECT count(*) FROM events WHERE id = ANY($1)', [eventIds])).rows[0].count) === eventIds.length, 60_000, 500).catch(async (e: Error) => {
        const rows = (await client.query('SELECT id FROM events WHERE id = ANY($1)', [eventIds])).rows as Array<{ id: string }>;
        throw new Error(`${e.message}; missing rows: ${eventIds.filter((id) => !rows.some((r) => r.id === id)).join(', ')}`);
      });
      const keys = validAlerts.map((a) => a.dedupKey);
      await eventually(async () => Number((await client.query('SELECT count(*) FROM alerts WHERE dedup_key = ANY($1)', [keys])).rows[0].count) === keys.length, 60_000, 500);
      await eventually(async () => keys.every((k) => delivered.some((a) => a.dedupKey === k)), 30_000, 200);
    } finally {
      await client.end();
    }
  });

  test('records that decode but carry hostile values are rejected with a reason or flow on, and the valid ones after them flow on', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const rowIds = [sid('raw-after'), sid('enriched-after'), sid('scored-after')];
      await eventually(async () => Number((await client.query('SELECT count(*) FROM events WHERE id = ANY($1)', [rowIds])).rows[0].count) === rowIds.length, 60_000, 500);
      await eventually(async () => Number((await client.query('SELECT count(*) FROM alerts WHERE dedup_key = $1', [sid('alert-after')])).rows[0].count) === 1, 60_000, 500);
      await eventually(async () => delivered.some((a) => a.dedupKey === sid('alert-after')), 30_000, 200);

      const outcomes = await eventually(async () => {
        const all = await deadLetters();
        // The hostile enriched record may pass score and be refused by persist (its time is past 9999).
        const downstream = all.filter((l) => l.stage === 'persist' && l.value && l.sourceTopic === topicName('scored'));
        const named = await Promise.all(downstream.map((l) => serde.decode<ScoredEvent>('scored', l.value).then((v) => v.enriched.event.id === sid('enriched'), () => false)));
        const persisted = Number((await client.query('SELECT count(*) FROM events WHERE id = $1', [sid('enriched')])).rows[0].count) > 0;
        const out = [...semantic].map(([key, h]) => {
          const here = all.filter((l) => sameSource(l, positions.get(key)!));
          const further = h.outcome === 'dead-or-row' ? downstream.filter((_, i) => named[i]) : [];
          return { key, letters: [...here, ...further], settled: here.length > 0 || further.length > 0 || (h.outcome === 'dead-or-row' && persisted) };
        });
        return out.every((o) => o.settled) ? out : undefined;
      }, 60_000, 1000);
      for (const o of outcomes) {
        for (const l of o.letters) expect({ key: o.key, stage: l.stage, errorType: l.errorType, reason: l.reason.length > 10 }).toEqual({ key: o.key, stage: l.stage, errorType: expect.stringMatching(/^(validation|handler)$/), reason: true });
      }
    } finally {
      await client.end();
    }
  });

  test('a registry that cannot be reached is not an unknown schema id: the valid records wait for it and are not dead-lettered', async () => {
    // A compatible writer schema the stages have not seen yet (one more optional field), so enrich must ask the registry for it.
    const variant = JSON.parse(loadSchemas().canonical.RawEvent) as { fields: unknown[] };
    variant.fields.push({ name: `x_${RUN}`, type: ['null', 'string'], default: null });
    const schemaId = await new RegistryClient(registry.url).register(`${prefix}.variant-raw-value`, JSON.stringify(variant));
    const type = avro.Type.forSchema(variant as avro.Schema, { wrapUnions: false });
    const framed = (e: RawEvent) => {
      const body = type.toBuffer({ ...e, [`x_${RUN}`]: null });
      const out = Buffer.alloc(5 + body.length);
      out.writeUInt32BE(schemaId, 1);
      body.copy(out, 5);
      return out;
    };
    const events = [0, 1, 2].map((i) => rawEvent({ id: `registry-outage-${RUN}-${i}`, text: `sent while the registry is down ${i}` }));
    await registry.stop();
    try {
      await produce(events.map((e) => ({ topic: topicName('raw'), key: `${e.source}:${e.author.id}`, value: framed(e) })));
      // Long enough for enrich to read them and fail to fetch the writer schema.
      await sleep(4000);
    } finally {
      await registry.restart();
    }
    const ids = new Set(events.map((e) => e.id));
    const outcome = await eventually(async () => {
      const enrichedIds = new Set<string>();
      for (const r of await readWholeTopic(topicName('enriched'))) {
        // The topic also holds the poison of the first test.
        const v = await serde.decode<EnrichedEvent>('enriched', r.value).catch(() => undefined);
        if (v && ids.has(v.event.id)) enrichedIds.add(v.event.id);
      }
      const dead = (await deadLetters()).filter((l) => l.sourceTopic === topicName('raw') && l.value && l.value.readUInt32BE(1) === schemaId);
      return enrichedIds.size + dead.length >= ids.size ? { enrichedIds, dead } : undefined;
    }, 60_000, 1000);
    expect(outcome.dead.map((l) => `${l.stage}: ${l.reason}`)).toEqual([]);
    expect([...outcome.enrichedIds].sort()).toEqual([...ids].sort());
  });

  test('no stage crashed on the poison', async () => {
    for (const p of procs) await expectAlive(p);
  });
});
