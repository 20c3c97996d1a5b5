import { naming, type Confirmation } from '@sluice/contracts';
import { createLogger, registry, type StageContext } from '@sluice/runtime';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { alert, record, scoredEvent } from '../test/fixtures';
import { persistStage, type PersistStage } from './stage';
import { migrate, loadMigrations } from './db/migrate';

/** The handler against the real PostgreSQL (records built in memory; Kafka is covered in persist.kafka.test.ts). */

const logger = createLogger('persist-test', 'silent');
const ctx = { logger, naming: naming('test.persist'), serde: null, instance: 'test' } as unknown as StageContext;
const GROUP = 'test.persist.sluice.persist';

let db: TestDatabase;
let stage: PersistStage;

beforeAll(async () => {
  db = await createTestDatabase('stage');
  stage = persistStage({ databaseUrl: db.url, logger, retentionDays: 30, writeConnections: 2 });
  await stage.start!(ctx);
});

afterAll(async () => {
  await stage?.stop!(ctx);
  await db?.drop();
});

async function rows<T = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, values)).rows as T[];
}

async function roundTrips(): Promise<number> {
  const m = await registry.getSingleMetric('sluice_persist_db_round_trips_total')!.get();
  return m.values.filter((v) => v.labels.purpose === 'write').reduce((s, v) => s + v.value, 0);
}

async function trendCount(table: string, term: string, kind = 'keyword'): Promise<number> {
  await stage.compactTrends();
  const [r] = await rows<{ n: string | null }>(`SELECT sum(n) AS n FROM ${table} WHERE term = $1 AND kind = $2`, [term, kind]);
  return Number(r.n ?? 0);
}

describe('migrations', () => {
  test('a second run applies nothing, and an edited applied migration is refused', async () => {
    expect(await migrate(stage.pool, logger)).toEqual([]);
    const [first] = loadMigrations();
    await expect(migrate(stage.pool, logger, [{ ...first, sql: `${first.sql}\n-- edited`, checksum: 'changed' }])).rejects.toThrow(/001_init\.sql was changed after it was applied/);
    const applied = await rows<{ version: number }>('SELECT version FROM schema_migrations');
    expect(applied.map((r) => r.version)).toEqual([1]);
  });
});

describe('the persist handler', () => {
  test('a batch of one partition is four round trips whatever its size; a redelivered batch changes no row and counts no aggregate twice', async () => {
    const events = Array.from({ length: 200 }, (_, i) =>
      record('scored', scoredEvent({ id: `redeliver-${i}`, author: `a${i % 4}`, keywords: ['redelivery', `k${i % 3}`], hashtags: ['idem'], likes: 2 })),
    );
    await stage.handle([record('scored', scoredEvent({ keywords: [], hashtags: [] }))], ctx); // staging table and partition exist after this
    const before = await roundTrips();
    const out = await stage.handle(events, ctx);
    // BEGIN, COPY, the write statement, COMMIT.
    expect((await roundTrips()) - before).toBe(4);
    const conf = (out.produce ?? []).map((p) => p.value as Confirmation);
    expect(conf).toHaveLength(1);
    expect(conf[0]).toMatchObject({ producer: 'acme', stage: 'persisted' });
    expect(conf[0].eventIds).toHaveLength(200);

    const snapshot = async () => ({
      events: await rows(`SELECT id, updated_at FROM events WHERE id LIKE 'redeliver-%' ORDER BY id`),
      minute: await trendCount('trend_minute', 'redelivery'),
      hour: await trendCount('trend_hour', 'redelivery'),
      hashtag: await trendCount('trend_minute', 'idem', 'hashtag'),
      authors: await rows(`SELECT author_id, events, likes FROM author_daily WHERE author_id LIKE 'a_' ORDER BY author_id`),
    });
    const first = await snapshot();
    expect(first.events).toHaveLength(200);
    expect(first.minute).toBe(200);
    expect(first.hour).toBe(200);
    expect(first.hashtag).toBe(200);
    expect(first.authors).toEqual([0, 1, 2, 3].map((i) => ({ author_id: `a${i}`, events: '50', likes: '100' })));

    await stage.handle(events, ctx);
    // Redelivery with duplicates inside one batch as well.
    await stage.handle([...events.slice(0, 50), ...events.slice(0, 50)], ctx);
    expect(await snapshot()).toEqual(first);
  });

  test('a replay with a newer version updates rows in place and moves trends; an older version does not roll back', async () => {
    const id = `replay-${Date.now()}`;
    const occurredAt = Date.now() - 5000;
    const v1 = scoredEvent({ id, occurredAt, processingVersion: 'score-1.9.0', keywords: ['oldterm', 'kept'], scores: { spam: 0.1 } });
    await stage.handle([record('scored', v1)], ctx);
    const [before] = await rows(`SELECT * FROM events WHERE id = $1`, [id]);

    const v2 = scoredEvent({ id, occurredAt, processingVersion: 'score-1.10.0', keywords: ['newterm', 'kept'], scores: { spam: 0.9 } });
    await stage.handle([record('scored', v2)], ctx);
    const after = await rows(`SELECT * FROM events WHERE id = $1`, [id]);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ processing_version: 'score-1.10.0', spam: 0.9, keywords: ['newterm', 'kept'] });
    expect(after[0].inserted_at).toEqual(before.inserted_at);
    expect(await trendCount('trend_minute', 'oldterm')).toBe(0);
    expect(await trendCount('trend_minute', 'newterm')).toBe(1);
    expect(await trendCount('trend_hour', 'newterm')).toBe(1);
    expect(await trendCount('trend_minute', 'kept')).toBe(1);

    // The old version arriving late (a redelivery from before the replay) changes nothing.
    await stage.handle([record('scored', v1)], ctx);
    const [final] = await rows(`SELECT * FROM events WHERE id = $1`, [id]);
    expect(final).toMatchObject({ processing_version: 'score-1.10.0', spam: 0.9, keywords: ['newterm', 'kept'] });
    expect(final.updated_at).toEqual(after[0].updated_at);
    expect(await trendCount('trend_minute', 'oldterm')).toBe(0);

    // Same processing version, newer enrichment version: enrichment moves forward.
    const v3 = scoredEvent({ id, occurredAt, processingVersion: 'score-1.10.0', enrichmentVersion: 'enrich-1.1.0', keywords: ['kept'] });
    await stage.handle([record('scored', v3)], ctx);
    const [enriched] = await rows(`SELECT * FROM events WHERE id = $1`, [id]);
    expect(enriched).toMatchObject({ enrichment_version: 'enrich-1.1.0', keywords: ['kept'] });
    expect(await trendCount('trend_minute', 'newterm')).toBe(0);
    expect(await trendCount('trend_minute', 'kept')).toBe(1);
    // The author was counted once, on insert.
    const [author] = await rows(`SELECT events FROM author_daily WHERE author_id = $1`, [v1.enriched.event.author.id]);
    expect(Number(author.events)).toBeGreaterThanOrEqual(1);
  });

  test('alerts: one row per dedup key, a redelivery counts nothing, a later replay updates in place', async () => {
    const firedAt = Date.now() - 1000;
    const a = alert({ dedupKey: `dk-alert-${Date.now()}`, rule: 'alert-rule', severity: 'HIGH', firedAt });
    await stage.handle([record('alerts', a, { partition: 1, offset: 10 })], ctx);
    await stage.handle([record('alerts', a, { partition: 1, offset: 10 })], ctx);
    const counts = async () => rows(`SELECT severity, n::int FROM alert_counts_hour WHERE rule = 'alert-rule' AND n > 0 ORDER BY severity`);
    expect(await counts()).toEqual([{ severity: 'HIGH', n: 1 }]);

    // A replay (later offset) with a changed severity moves the row and its count.
    await stage.handle([record('alerts', { ...a, severity: 'CRITICAL', title: 'replayed' }, { partition: 1, offset: 20 })], ctx);
    expect(await rows(`SELECT severity, title FROM alerts WHERE dedup_key = $1`, [a.dedupKey])).toEqual([{ severity: 'CRITICAL', title: 'replayed' }]);
    expect(await counts()).toEqual([{ severity: 'CRITICAL', n: 1 }]);
    // The original arriving again does not roll it back.
    await stage.handle([record('alerts', a, { partition: 1, offset: 10 })], ctx);
    expect(await rows(`SELECT severity FROM alerts WHERE dedup_key = $1`, [a.dedupKey])).toEqual([{ severity: 'CRITICAL' }]);
  });

  test('offsets are stored with the rows, never move back, and stop at a rejected record', async () => {
    const topic = 'sluice.events.scored.v1';
    await stage.handle([record('scored', scoredEvent(), { topic, partition: 3, offset: 100 }), record('scored', scoredEvent(), { topic, partition: 3, offset: 101 })], ctx);
    expect(await stage.onAssigned!([{ topic, partition: 3 }, { topic, partition: 4 }], ctx)).toEqual(new Map([[`${topic}:3`, 102]]));
    // A zombie finishing an older batch cannot rewind.
    await stage.handle([record('scored', scoredEvent(), { topic, partition: 3, offset: 50 })], ctx);
    expect(await stage.onAssigned!([{ topic, partition: 3 }], ctx)).toEqual(new Map([[`${topic}:3`, 102]]));

    const bad = scoredEvent();
    bad.enriched.event.occurredAt = -5;
    const out = await stage.handle(
      [record('scored', scoredEvent(), { topic, partition: 5, offset: 7 }), record('scored', bad, { topic, partition: 5, offset: 8 }), record('scored', scoredEvent(), { topic, partition: 5, offset: 9 })],
      ctx,
    );
    expect(out.reject).toHaveLength(1);
    expect(out.reject![0].reason).toMatch(/field "enriched\.event\.occurredAt": expected a timestamp in epoch milliseconds/);
    // The dead letter is produced after the commit: the stored position stays on it until a later batch passes it.
    expect(await stage.onAssigned!([{ topic, partition: 5 }], ctx)).toEqual(new Map([[`${topic}:5`, 8]]));
  });

  test('a large batch over several partitions is written by parallel transactions, each storing its own partitions\' offsets', async () => {
    const topic = 'sluice.events.scored.v1';
    const alertsTopic = 'sluice.alerts.v1';
    const events = Array.from({ length: 600 }, (_, i) =>
      record('scored', scoredEvent({ id: `lanes-${i}`, author: `lanes-a${i % 6}`, keywords: ['lanes'], likes: 1 }), { topic, partition: 10 + (i % 6), offset: 1000 + i }),
    );
    const alerts = [0, 1, 2].map((i) => record('alerts', alert({ dedupKey: `lanes-alert-${i}`, rule: 'lanes-rule' }), { topic: alertsTopic, partition: 10 + i, offset: 10 + i }));
    const before = await roundTrips();
    const out = await stage.handle([...events, ...alerts], ctx);
    // Two lanes (as this file's stage is configured), four round trips each (besides creating a new connection's staging table).
    expect((await roundTrips()) - before).toBe(8);
    expect((out.produce ?? []).flatMap((p) => (p.value as Confirmation).eventIds)).toHaveLength(600);
    const tps = [10, 11, 12, 13, 14, 15].map((partition) => ({ topic, partition }));
    const stored = await stage.onAssigned!([...tps, ...[10, 11, 12].map((partition) => ({ topic: alertsTopic, partition }))], ctx);
    const lastOffset = (p: number) => Math.max(...events.filter((e) => e.partition === p).map((e) => e.offset));
    expect(stored).toEqual(new Map([...tps.map((tp) => [`${topic}:${tp.partition}`, lastOffset(tp.partition) + 1] as const), ...[10, 11, 12].map((p, i) => [`${alertsTopic}:${p}`, 11 + i] as const)]));
    const first = {
      events: await rows(`SELECT count(*)::int AS n FROM events WHERE id LIKE 'lanes-%'`),
      authors: await rows(`SELECT author_id, events::int FROM author_daily WHERE author_id LIKE 'lanes-a%' ORDER BY author_id`),
      trend: await trendCount('trend_minute', 'lanes'),
      alerts: await rows(`SELECT sum(n)::int AS n FROM alert_counts_hour WHERE rule = 'lanes-rule'`),
    };
    expect(first).toEqual({
      events: [{ n: 600 }],
      authors: [0, 1, 2, 3, 4, 5].map((i) => ({ author_id: `lanes-a${i}`, events: 100 })),
      trend: 600,
      alerts: [{ n: 3 }],
    });
    // A redelivery through the lanes changes nothing.
    await stage.handle([...events, ...alerts], ctx);
    expect({
      events: await rows(`SELECT count(*)::int AS n FROM events WHERE id LIKE 'lanes-%'`),
      authors: await rows(`SELECT author_id, events::int FROM author_daily WHERE author_id LIKE 'lanes-a%' ORDER BY author_id`),
      trend: await trendCount('trend_minute', 'lanes'),
      alerts: await rows(`SELECT sum(n)::int AS n FROM alert_counts_hour WHERE rule = 'lanes-rule'`),
    }).toEqual(first);
  });

  test('the writer\'s sessions run in UTC and without JIT compilation', async () => {
    const { rows: [settings] } = await stage.pool.query(`SELECT current_setting('TimeZone') AS tz, current_setting('jit') AS jit`);
    expect(settings).toEqual({ tz: 'UTC', jit: 'off' });
  });

  test('partitions are made per day on demand; events past retention are confirmed as expired, not stored', async () => {
    const day = 24 * 3600_000;
    const tenDaysAgo = Date.now() - 10 * day;
    const ancient = Date.now() - 40 * day;
    const out = await stage.handle(
      [record('scored', scoredEvent({ id: `old-${tenDaysAgo}`, occurredAt: tenDaysAgo })), record('scored', scoredEvent({ id: `ancient-${ancient}`, occurredAt: ancient, producer: 'p2' }))],
      ctx,
    );
    const stored = await rows(`SELECT tableoid::regclass::text AS part FROM events WHERE id IN ($1, $2)`, [`old-${tenDaysAgo}`, `ancient-${ancient}`]);
    const d = new Date(tenDaysAgo).toISOString().slice(0, 10).replace(/-/g, '');
    expect(stored).toEqual([{ part: `events_p${d}` }]);
    const confirmations = (out.produce ?? []).map((p) => p.value as Confirmation);
    expect(confirmations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ producer: 'acme', stage: 'persisted', eventIds: [`old-${tenDaysAgo}`] }),
        expect.objectContaining({ producer: 'p2', stage: 'expired', eventIds: [`ancient-${ancient}`] }),
      ]),
    );

    // 25 days later by the clock the 30-day horizon has passed the partition of ten days ago: the sweep drops it.
    await stage.maintain(Date.now() + 25 * day);
    expect(await rows(`SELECT 1 FROM pg_class WHERE relname = $1`, [`events_p${d}`])).toHaveLength(0);
    expect(await rows(`SELECT id FROM events WHERE id = $1`, [`old-${tenDaysAgo}`])).toHaveLength(0);
  });

  test('a partition dropped behind the writer\'s back is a transient error, and the retry recreates it', async () => {
    const when = Date.now() + 2 * 24 * 3600_000;
    const d = new Date(when).toISOString().slice(0, 10).replace(/-/g, '');
    await db.pool.query(`DROP TABLE IF EXISTS events_p${d}`);
    const batch = [record('scored', scoredEvent({ id: `later-${when}`, occurredAt: when }))];
    const failure = await stage.handle(batch, ctx).catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(stage.isTransient!(failure)).toBe(true);
    await stage.handle(batch, ctx);
    expect(await rows(`SELECT tableoid::regclass::text AS part FROM events WHERE id = $1`, [`later-${when}`])).toEqual([{ part: `events_p${d}` }]);
  });

  test('text the database cannot hold is made storable, and COPY-special characters arrive intact', async () => {
    const id = `nul-${Date.now()}`;
    await stage.handle([record('scored', scoredEvent({ id, text: 'a\u0000b\ud800c', keywords: ['x\u0000y'] }))], ctx);
    expect(await rows(`SELECT text, keywords FROM events WHERE id = $1`, [id])).toEqual([{ text: 'a\uFFFDb\uFFFDc', keywords: ['x\uFFFDy'] }]);
    const special = `special-${Date.now()}`;
    const text = 'tab\there\nnew line \\N "quoted" back\\slash\r{a,b}';
    const keywords = ['a"b', 'c\\d', 'e,f{}', 'NULL', ''];
    await stage.handle([record('scored', scoredEvent({ id: special, text, keywords }))], ctx);
    expect(await rows(`SELECT text, keywords, enrichment->>'normalizedText' AS normalized FROM events WHERE id = $1`, [special])).toEqual([{ text, keywords, normalized: text }]);
  });
});
