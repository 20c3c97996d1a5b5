import type { Pool } from 'pg';
import { createLogger, type InRecord, type Logger, type Produce, type StageContext, type StageDefinition, type TopicPartition } from '@sluice/runtime';
import { migrate } from './db/migrate';
import { persistMetrics } from './db/metrics';
import { DAY_MS, dayOf, EventPartitions, retentionStart } from './db/partitions';
import { createPool, isTransientDbError, query } from './db/pool';
import { CacheVersions } from './query/cache';
import { confirmations, prepareBatch } from './write/rows';
import { COMPACT_HOUR_TRENDS_SQL, COMPACT_MINUTE_TRENDS_SQL } from './write/sql';
import { BatchWriter, storedOffsets, type WriteResult } from './write/writer';

/** Pending batches folded per compaction statement (bounds its memory and duration). */
const COMPACTION_SLICE = 500;

export interface PersistOptions {
  databaseUrl: string;
  retentionDays?: number;
  partitionsAheadDays?: number;
  minuteTrendsRetentionHours?: number;
  maintenanceIntervalMs?: number;
  /** Interval of folding pending trend deltas into the per-minute trend counters (ms). */
  trendCompactionIntervalMs?: number;
  /** Interval of folding them on into the per-hour counters (ms). */
  hourTrendCompactionIntervalMs?: number;
  migrateOnStart?: boolean;
  /** Transactions a large batch is split into, by input partition, written at once on their own connections (default 2). */
  writeConnections?: number;
  /** Bumped on every write so cached aggregate queries are invalidated; share it with the query API. */
  versions?: CacheVersions;
  logger?: Logger;
}

/** The persist stage definition, with what the query API and tests share with it. */
export interface PersistStage extends StageDefinition<unknown> {
  /** The writer's pool (the write connections, plus one each for trend compaction and offsets/maintenance). */
  readonly pool: Pool;
  readonly versions: CacheVersions;
  /** Runs the maintenance sweep now (partitions ahead, retention). */
  maintain(nowMs?: number): Promise<void>;
  /** Folds every pending trend delta into the trend counters now; returns the batches folded. */
  compactTrends(): Promise<number>;
  /** True, or what is wrong: whether the last write reached PostgreSQL (for /readyz). */
  databaseReady(): true | string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Consumes scored events and alerts and writes them into PostgreSQL effectively once: each batch is
 * one transaction (rows, aggregates and the consumed offsets together), and on assignment the stage
 * resumes from the offsets stored with the rows, so a crash between the database commit and the Kafka
 * commit neither loses nor repeats anything. Confirmations of the committed events are the batch's
 * outputs, produced only after the commit.
 */
export function persistStage(options: PersistOptions): PersistStage {
  const logger = options.logger ?? createLogger('persist');
  const retentionDays = options.retentionDays ?? 30;
  const aheadDays = options.partitionsAheadDays ?? 3;
  const minuteRetentionMs = (options.minuteTrendsRetentionHours ?? 48) * 3600_000;
  const maintenanceMs = options.maintenanceIntervalMs ?? 3_600_000;
  const compactionMs = options.trendCompactionIntervalMs ?? 1000;
  const hourCompactionMs = options.hourTrendCompactionIntervalMs ?? 10_000;
  const versions = options.versions ?? new CacheVersions();
  const writeConnections = options.writeConnections ?? 1;
  // Writes, trend compaction, and offsets/maintenance each get connections without waiting on the others.
  const pool = createPool({ databaseUrl: options.databaseUrl, max: writeConnections + 2, applicationName: 'sluice-persist-writer', jit: false, logger });
  const partitions = new EventPartitions(pool);
  let writer: BatchWriter | null = null;
  let timer: NodeJS.Timeout | null = null;
  const compactors: NodeJS.Timeout[] = [];
  const compacting = new Map<string, Promise<number>>();
  let stopped = false;
  let databaseProblem: string | null = null;

  /** Retries transient database errors with backoff until it works or the stage stops. */
  async function untilDone<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isTransientDbError(e) || stopped) throw e;
        const wait = Math.min(10_000, 100 * 2 ** (attempt - 1));
        logger.warn({ err: (e as Error).message, attempt, waitMs: wait }, `${what}: database unavailable; retrying`);
        await sleep(wait);
      }
    }
  }

  async function maintain(nowMs = Date.now()): Promise<void> {
    const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
    await partitions.ensure(Array.from({ length: aheadDays + 1 }, (_, i) => dayOf(today + i * DAY_MS)));
    const horizon = nowMs - retentionDays * DAY_MS;
    const dropped = await partitions.dropBefore(horizon);
    const old = new Date(horizon);
    for (const sql of [
      'DELETE FROM trend_hour WHERE bucket < $1 OR n <= 0',
      'DELETE FROM author_daily WHERE day < ($1::timestamptz AT TIME ZONE \'UTC\')::date',
      'DELETE FROM alerts WHERE fired_at < $1',
      'DELETE FROM alert_counts_hour WHERE bucket < $1 OR n <= 0',
    ]) {
      await query(pool, 'maintenance', sql, [old]);
    }
    await query(pool, 'maintenance', 'DELETE FROM trend_minute WHERE bucket < $1 OR n <= 0', [new Date(nowMs - minuteRetentionMs)]);
    if (dropped.length) logger.info({ dropped }, 'dropped event partitions past retention');
  }

  /** Runs one compaction statement, a bounded slice at a time, until nothing is pending; one run at a time per statement. */
  function compact(name: 'minute' | 'hour', sql: string): Promise<number> {
    const running = compacting.get(name);
    if (running) return running;
    const run = (async () => {
      let total = 0;
      for (;;) {
        const { rows } = await query<{ batches: number; sources: string[] }>(pool, 'compaction', { name: `persist_compact_${name}_v1`, text: sql, values: [COMPACTION_SLICE] });
        const { batches, sources } = rows[0];
        total += batches;
        if (batches > 0) versions.bump([`trends.${name}`, ...sources.map((s) => `trends.${name}:${s}`)]);
        if (batches < COMPACTION_SLICE) return total;
      }
    })().finally(() => compacting.delete(name));
    compacting.set(name, run);
    return run;
  }

  /** Folds every pending trend delta into the minute and then the hour counters. */
  async function compactTrends(): Promise<number> {
    const batches = await compact('minute', COMPACT_MINUTE_TRENDS_SQL);
    await compact('hour', COMPACT_HOUR_TRENDS_SQL);
    return batches;
  }

  const definition: PersistStage = {
    stage: 'persist',
    outputs: ['confirmations'],
    pool,
    versions,
    maintain,
    compactTrends,
    databaseReady: () => (databaseProblem === null ? true : databaseProblem),

    async start(ctx: StageContext) {
      await untilDone('start', async () => {
        if (options.migrateOnStart ?? true) await migrate(pool, logger);
        await partitions.load();
        await maintain();
      });
      writer = new BatchWriter(pool, partitions, ctx.naming.group('persist'), writeConnections);
      timer = setInterval(() => {
        maintain().catch((e) => logger.warn({ err: (e as Error).message }, 'maintenance failed; retried at the next interval'));
      }, maintenanceMs);
      timer.unref();
      for (const [name, sql, every] of [
        ['minute', COMPACT_MINUTE_TRENDS_SQL, compactionMs],
        ['hour', COMPACT_HOUR_TRENDS_SQL, hourCompactionMs],
      ] as const) {
        const t = setInterval(() => {
          compact(name, sql).catch((e) => logger.warn({ err: (e as Error).message }, `${name} trend compaction failed; retried at the next interval`));
        }, every);
        t.unref();
        compactors.push(t);
      }
    },

    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      for (const t of compactors) clearInterval(t);
      await Promise.all([...compacting.values()].map((p) => p.catch(() => undefined)));
      // Deltas written meanwhile are folded now rather than left for the next start.
      await compactTrends().catch((e) => logger.warn({ err: (e as Error).message }, 'trend compaction at stop failed; pending deltas are folded at the next start'));
      await pool.end();
    },

    async onAssigned(tps: TopicPartition[], ctx: StageContext) {
      // Without the stored offsets the stage would start from Kafka's, which lag behind after a crash:
      // wait for the database rather than guess.
      const offsets = await untilDone('reading stored offsets', () => storedOffsets(pool, ctx.naming.group('persist'), tps));
      if (offsets.size) logger.info({ offsets: Object.fromEntries(offsets) }, 'resuming from offsets stored with the rows');
      return offsets;
    },

    isTransient: isTransientDbError,

    async handle(batch: InRecord<unknown>[]) {
      if (!writer) throw new Error('persist stage used before start()');
      const prepared = prepareBatch(batch, retentionStart(Date.now(), retentionDays));
      let result: WriteResult;
      try {
        result = await writer.write(prepared);
        databaseProblem = null;
      } catch (e) {
        if (isTransientDbError(e)) databaseProblem = `database writes failing (retried): ${(e as Error).message}`;
        throw e;
      }
      if (result.eventsInserted + result.eventsUpdated > 0) versions.bump(['authors', ...result.sourcesChanged.map((s) => `authors:${s}`)]);
      if (result.alertsInserted + result.alertsUpdated > 0) versions.bump(['alerts']);
      persistMetrics.expired.inc(prepared.expired.length);
      const produce: Produce[] = confirmations(
        prepared.events.map((e) => ({ id: e.id, producer: e.producer })),
        prepared.expired,
        result.committedAt,
      ).map((c) => ({ topic: 'confirmations', key: c.producer ?? null, value: c }));
      return { produce, reject: prepared.reject };
    },
  };
  return definition;
}
