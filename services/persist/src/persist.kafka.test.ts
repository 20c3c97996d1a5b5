import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Confirmation } from '@sluice/contracts';
import { createLogger, registry as metrics, startStage, type InRecord, type StageContext } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, readTopic, sleep, uniquePrefix } from '../../../test/support/kafka';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { alert, scoredEvent } from '../test/fixtures';
import { createQueryApi } from './query/api';
import { CacheVersions } from './query/cache';
import { persistStage } from './stage';

/** The persist stage against the real broker, registry and PostgreSQL. */

const logger = createLogger('persist-kafka-test', 'silent');
const ROOT = path.resolve(__dirname, '../../..');

async function count(db: TestDatabase, sql: string, values: unknown[] = []): Promise<number> {
  return Number((await db.pool.query(sql, values)).rows[0].n);
}

/** Starts the stage in this process, recording every (partition, offset) its handler sees. */
async function runStage(prefix: string, db: TestDatabase, extra: Partial<Parameters<typeof startStage>[1]> = {}) {
  const stage = persistStage({ databaseUrl: db.url, logger });
  const seen: Array<[string, number, number]> = [];
  const handle = stage.handle.bind(stage);
  stage.handle = async (batch: InRecord<unknown>[], ctx: StageContext) => {
    const out = await handle(batch, ctx);
    for (const r of batch) seen.push([r.topic, r.partition, r.offset]);
    return out;
  };
  const running = await startStage(stage, { brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, logger, lagIntervalMs: 0, batchWaitMs: 5, batchSize: 100, ...extra });
  return { stage, running, seen };
}

async function confirmedIds(topic: string, serde: Awaited<ReturnType<typeof provision>>['serde'], atLeast: number): Promise<string[]> {
  const records = await readTopic(topic, atLeast, 15_000);
  const out: string[] = [];
  for (const r of records) out.push(...(await serde.decode<Confirmation>('confirmations', r.value)).eventIds);
  return out;
}

describe('persist against Kafka and PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('kafka');
  });
  afterEach(async () => {
    await db.drop();
  });

  test('events and alerts flow into PostgreSQL; a producer re-sending them and a replay through newer logic never duplicate', async () => {
    const prefix = uniquePrefix('persist-flow');
    const { names, serde } = await provision(prefix);
    const events = Array.from({ length: 120 }, (_, i) => scoredEvent({ id: `flow-${i}`, author: `fa${i % 6}`, keywords: ['flow', `k${i % 4}`], likes: 1 }));
    const alerts = [alert({ dedupKey: 'flow-a1', rule: 'r1' }), alert({ dedupKey: 'flow-a2', rule: 'r1' })];
    const send = (evs: typeof events) =>
      produce(evs.map((e) => ({ topic: names.topic('scored'), key: `twitter:${e.enriched.event.author.id}`, value: serde.encode('scored', e) })));
    await send(events);
    await produce(alerts.map((a) => ({ topic: names.topic('alerts'), key: a.dedupKey, value: serde.encode('alerts', a) })));
    // The producer sends everything again (as after a timeout): new offsets, same events.
    await send(events);
    await produce(alerts.map((a) => ({ topic: names.topic('alerts'), key: a.dedupKey, value: serde.encode('alerts', a) })));

    const { running, stage } = await runStage(prefix, db);
    try {
      // 240 scored records and 4 alerts consumed, their offsets stored with the rows.
      await eventually(async () => (await count(db, `SELECT sum(next_offset) AS n FROM consumer_offsets`)) === 244, 60_000);
      expect(await count(db, `SELECT count(*) AS n FROM events`)).toBe(120);
      expect(await count(db, `SELECT count(DISTINCT id) AS n FROM events`)).toBe(120);
      await stage.compactTrends();
      expect(await count(db, `SELECT sum(n) AS n FROM trend_minute WHERE kind = 'keyword' AND term = 'flow'`)).toBe(120);
      expect(await count(db, `SELECT sum(events) AS n FROM author_daily`)).toBe(120);
      expect(await count(db, `SELECT count(*) AS n FROM alerts`)).toBe(2);
      expect(await count(db, `SELECT sum(n) AS n FROM alert_counts_hour WHERE rule = 'r1'`)).toBe(2);

      // Every event is confirmed after its commit (a re-sent copy in another batch is confirmed again).
      await eventually(async () => new Set(await confirmedIds(names.topic('confirmations'), serde, 1)).size === 120, 20_000);

      // A replay through newer scoring logic: rows are updated in place, trends follow the new keywords.
      await send(events.map((e) => ({ ...e, processingVersion: 'score-1.1.0', enriched: { ...e.enriched, enrichment: { ...e.enriched.enrichment, keywords: ['flow', 'replayed'] } } })));
      await eventually(async () => (await count(db, `SELECT count(*) AS n FROM events WHERE processing_version = 'score-1.1.0'`)) === 120, 60_000);
      await stage.compactTrends();
      expect(await count(db, `SELECT count(*) AS n FROM events`)).toBe(120);
      expect(await count(db, `SELECT sum(n) AS n FROM trend_minute WHERE kind = 'keyword' AND term = 'replayed'`)).toBe(120);
      expect(await count(db, `SELECT coalesce(sum(n), 0) AS n FROM trend_minute WHERE kind = 'keyword' AND term = 'k1'`)).toBe(0);
      expect(await count(db, `SELECT sum(n) AS n FROM trend_minute WHERE kind = 'keyword' AND term = 'flow'`)).toBe(120);
      expect(await count(db, `SELECT sum(events) AS n FROM author_daily`)).toBe(120);
    } finally {
      await running.stop();
    }
  }, 120_000);

  test('crash between the database commit and the Kafka commit: the restart resumes from the stored offsets, nothing lost, nothing repeated', async () => {
    buildIfStale();
    const prefix = uniquePrefix('persist-crash');
    const { names, serde } = await provision(prefix);
    const events = Array.from({ length: 300 }, (_, i) => scoredEvent({ id: `crash-${i}`, author: `ca${i % 12}`, keywords: ['crash'], producer: 'acme' }));
    await produce(events.map((e) => ({ topic: names.topic('scored'), key: `twitter:${e.enriched.event.author.id}`, value: serde.encode('scored', e) })));

    const child = await new Promise<{ signal: string | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [path.resolve(__dirname, '../test-fixtures/crash-persist.js')], {
        // Large enough that the crashed batch is usually split into parallel transactions (lanes).
        env: { ...process.env, PREFIX: prefix, DATABASE_URL: db.url, CRASH_AFTER_COMMIT: '1', BATCH_SIZE: '250' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (out += d));
      c.on('exit', (_code, signal) => resolve({ signal, out }));
    });
    expect(child.signal).toBe('SIGKILL');
    const handledBeforeCrash: Array<[number, number]> = child.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => JSON.parse(l).handled);
    expect(handledBeforeCrash.length).toBeGreaterThan(0);
    // The crashed batch is in PostgreSQL, with its offsets; Kafka never got them.
    const stored = new Map<number, number>(
      (await db.pool.query(`SELECT partition, next_offset FROM consumer_offsets`)).rows.map((r: { partition: number; next_offset: string }) => [r.partition, Number(r.next_offset)]),
    );
    expect(await count(db, `SELECT count(*) AS n FROM events`)).toBe(handledBeforeCrash.length);
    for (const [p, o] of handledBeforeCrash) expect(stored.get(p)).toBeGreaterThan(o);

    const { running, seen, stage } = await runStage(prefix, db, { batchSize: 250 });
    try {
      await eventually(async () => (await count(db, `SELECT count(*) AS n FROM events`)) === 300, 60_000);
      await eventually(async () => (await count(db, `SELECT sum(next_offset) AS n FROM consumer_offsets`)) === 300, 30_000);
      await stage.compactTrends();
      // Resumed exactly after the stored offsets: nothing handled before the crash was handled again.
      for (const [, p, o] of seen) if (stored.has(p)) expect(o).toBeGreaterThanOrEqual(stored.get(p)!);
      expect(seen.length + handledBeforeCrash.length).toBe(300);
      expect(await count(db, `SELECT sum(n) AS n FROM trend_minute WHERE term = 'crash'`)).toBe(300);
      expect(await count(db, `SELECT sum(events) AS n FROM author_daily`)).toBe(300);
      // Each event confirmed exactly once: the crashed batch before the crash, the rest after.
      const ids = await eventually(async () => {
        const all = await confirmedIds(names.topic('confirmations'), serde, 1);
        return all.length >= 300 ? all : undefined;
      }, 30_000);
      expect(ids.length).toBe(300);
      expect(new Set(ids).size).toBe(300);
    } finally {
      await running.stop();
    }
  }, 180_000);

  test('a PostgreSQL outage mid-stream: consumption stops and partitions pause, the query API answers 503, and the stage resumes where it was', async () => {
    const prefix = uniquePrefix('persist-outage');
    const { names, serde } = await provision(prefix);
    const batchOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => scoredEvent({ id: `out-${from + i}`, author: `oa${(from + i) % 12}`, keywords: ['outage'] }));
    const send = (evs: ReturnType<typeof batchOf>) => produce(evs.map((e) => ({ topic: names.topic('scored'), key: `twitter:${e.enriched.event.author.id}`, value: serde.encode('scored', e) })));
    const api = createQueryApi({ databaseUrl: db.url, tokens: 'outage-token-1', versions: new CacheVersions(), logger });
    const app = express().use(api.router);
    const server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    const query = async () => (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events?limit=1`, { headers: { authorization: 'Bearer outage-token-1' } })).status;

    await send(batchOf(0, 100));
    const { running, stage } = await runStage(prefix, db, { maxInFlightPerPartition: 10, retryBackoffMs: 50, retryBackoffMaxMs: 500, batchSize: 20 });
    let stopped = false;
    try {
      await eventually(async () => (await count(db, `SELECT count(*) AS n FROM events`)) === 100, 60_000);
      expect(await query()).toBe(200);

      pg('stop');
      stopped = true;
      await send(batchOf(100, 200));
      // Nothing can be written: the records pile up until every partition is paused at its bound.
      await eventually(async () => (await pausedPartitions()) > 0 && running.inFlight() > 0, 15_000, 100);
      expect(running.inFlight()).toBeLessThanOrEqual(6 * 10 + 100);
      expect(await query()).toBe(503);
      expect(stage.databaseReady()).toMatch(/^database writes failing \(retried\): /);
      await sleep(1000);
    } finally {
      if (stopped) pg('start');
    }
    try {
      await eventually(async () => (await count(db, `SELECT count(*) AS n FROM events`)) === 300, 60_000);
      await eventually(async () => running.inFlight() === 0, 30_000);
      await stage.compactTrends();
      expect(await count(db, `SELECT count(DISTINCT id) AS n FROM events`)).toBe(300);
      expect(await count(db, `SELECT sum(n) AS n FROM trend_minute WHERE term = 'outage'`)).toBe(300);
      expect(await count(db, `SELECT sum(events) AS n FROM author_daily`)).toBe(300);
      expect(await count(db, `SELECT sum(next_offset) AS n FROM consumer_offsets`)).toBe(300);
      await eventually(async () => (await query()) === 200, 10_000);
      expect(stage.databaseReady()).toBe(true);
    } finally {
      await running.stop();
      await new Promise((r) => server.close(r));
      await api.close();
    }
  }, 180_000);
});

async function pausedPartitions(): Promise<number> {
  const m = await metrics.getSingleMetric('sluice_paused_partitions')!.get();
  return m.values.find((v) => v.labels.stage === 'persist')?.value ?? 0;
}

/** Stops or starts the shared PostgreSQL (other suites use it too: keep outages short). */
function pg(action: 'stop' | 'start'): void {
  execFileSync(path.join(ROOT, 'deploy/postgres/postgres.sh'), [action], { stdio: 'ignore', timeout: 90_000 });
}

/** The crash test runs the stage in a child process from dist/: rebuild it when a source is newer. */
function buildIfStale(): void {
  const dist = path.resolve(__dirname, '../tsconfig.tsbuildinfo');
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(path.join(dir, d.name)) : statSync(path.join(dir, d.name)).mtimeMs)));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest(__dirname)) return;
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-b', path.resolve(__dirname, '../tsconfig.json')], { stdio: 'inherit', timeout: 300_000 });
}
