import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { persistMetrics } from '../db/metrics';
import { EventPartitions, PartitionMissingError } from '../db/partitions';
import { isTransientDbError, query } from '../db/pool';
import type { PreparedBatch } from './rows';
import { COPY_EVENTS_SQL, CREATE_STAGING_SQL, eventsCopyText, WRITE_BATCH_SQL } from './sql';

export interface WriteResult {
  eventsInserted: number;
  eventsUpdated: number;
  eventsUnchanged: number;
  alertsInserted: number;
  alertsUpdated: number;
  alertsUnchanged: number;
  /** Sources whose events changed (cache versions to bump). */
  sourcesChanged: string[];
  committedAt: number;
}

interface WriteRow {
  events_inserted: number;
  events_updated: number;
  alerts_inserted: number;
  alerts_updated: number;
  sources_changed: string[];
}

/** A lane gets its own transaction only with at least this many rows: below, a second commit costs more than it saves. */
const MIN_LANE_ROWS = 100;

/**
 * Writes a prepared batch in one transaction of four round trips per connection, whatever its size:
 * BEGIN, COPY the events into the connection's staging table, one statement for rows, aggregates and
 * offsets, COMMIT. A day never seen before costs one more round trip, for its partition, before that.
 *
 * A large batch is split by input partition into up to `lanes` transactions on as many connections,
 * written at the same time: PostgreSQL does the batch on several cores instead of one. Each lane
 * stores the offsets of its own partitions with its own rows, so whatever subset of lanes commits
 * before a crash, the restart resumes each partition exactly after its stored rows; a failed lane
 * fails the batch, and its retry rewrites the committed lanes as no-ops (upserts only move forward).
 * Records of one key share a partition, so lanes hardly ever touch the same row; when they do (an
 * aggregate counter), rows are locked in key order and the second waits for the first.
 */
export class BatchWriter {
  /** Connections whose staging table exists (a replaced connection is a new object). */
  private readonly staged = new WeakSet<PoolClient>();

  constructor(
    private readonly pool: Pool,
    private readonly partitions: EventPartitions,
    private readonly group: string,
    private readonly lanes = 1,
  ) {}

  async write(batch: PreparedBatch): Promise<WriteResult> {
    await this.partitions.ensure(batch.days);
    const parts = splitByPartition(batch, this.lanes);
    if (parts.length === 1) return this.writeLane(parts[0]);
    // Every lane finishes before the batch fails: a retry never overlaps a lane still running.
    const settled = await Promise.allSettled(parts.map((part) => this.writeLane(part)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((s) => (s as PromiseFulfilledResult<WriteResult>).value);
    const sum = (k: keyof Omit<WriteResult, 'sourcesChanged' | 'committedAt'>) => results.reduce((n, r) => n + r[k], 0);
    return {
      eventsInserted: sum('eventsInserted'),
      eventsUpdated: sum('eventsUpdated'),
      eventsUnchanged: sum('eventsUnchanged'),
      alertsInserted: sum('alertsInserted'),
      alertsUpdated: sum('alertsUpdated'),
      alertsUnchanged: sum('alertsUnchanged'),
      sourcesChanged: [...new Set(results.flatMap((r) => r.sourcesChanged))],
      committedAt: Math.max(...results.map((r) => r.committedAt)),
    };
  }

  /** One transaction: the lane's events, alerts, aggregates and offsets. */
  private async writeLane(batch: Lane): Promise<WriteResult> {
    const end = persistMetrics.writeSeconds.startTimer();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The pool listens for errors only on idle connections: a socket reset while this one is checked out
    // (PostgreSQL stopping mid-COPY) would otherwise be an unhandled 'error' event and end the process.
    // The failing query rejects on its own; this only marks the connection to be discarded.
    const onError = (e: Error) => (broken ??= e);
    client.on('error', onError);
    let row: WriteRow;
    let committedAt: number;
    try {
      if (!this.staged.has(client)) {
        await query(client, 'staging', CREATE_STAGING_SQL);
        this.staged.add(client);
      }
      await query(client, 'write', 'BEGIN');
      try {
        if (batch.events.length) {
          persistMetrics.roundTrips.inc({ purpose: 'write' });
          // Serialized in slices as the socket takes them: PostgreSQL parses one slice while the next is made.
          await pipeline(Readable.from(slices(batch.events)), client.query(copyFrom(COPY_EVENTS_SQL)));
        }
        const res = await query<WriteRow>(client, 'write', {
          // Named: prepared once per connection, planned once.
          name: 'persist_write_batch_v1',
          text: WRITE_BATCH_SQL,
          values: [JSON.stringify(batch.alerts), JSON.stringify(batch.offsets), this.group],
        });
        row = res.rows[0];
        await query(client, 'write', 'COMMIT');
        committedAt = Date.now();
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw e;
      }
    } catch (e) {
      if (isTransientDbError(e)) broken ??= e as Error;
      // 23514 "no partition of relation events found for row": a partition this process believed in is gone.
      if ((e as { code?: string }).code === '23514' && /partition/.test(String((e as Error).message))) {
        await this.partitions.reload();
        throw new PartitionMissingError((e as Error).message);
      }
      throw e;
    } finally {
      // A connection that failed mid-transaction is discarded rather than reused.
      client.off('error', onError);
      client.release(broken);
      end();
    }
    const result: WriteResult = {
      eventsInserted: row.events_inserted,
      eventsUpdated: row.events_updated,
      eventsUnchanged: batch.events.length - row.events_inserted - row.events_updated,
      alertsInserted: row.alerts_inserted,
      alertsUpdated: row.alerts_updated,
      alertsUnchanged: batch.alerts.length - row.alerts_inserted - row.alerts_updated,
      sourcesChanged: row.sources_changed,
      committedAt,
    };
    persistMetrics.rows.inc({ table: 'events', outcome: 'inserted' }, result.eventsInserted);
    persistMetrics.rows.inc({ table: 'events', outcome: 'updated' }, result.eventsUpdated);
    persistMetrics.rows.inc({ table: 'events', outcome: 'unchanged' }, result.eventsUnchanged);
    persistMetrics.rows.inc({ table: 'alerts', outcome: 'inserted' }, result.alertsInserted);
    persistMetrics.rows.inc({ table: 'alerts', outcome: 'updated' }, result.alertsUpdated);
    persistMetrics.rows.inc({ table: 'alerts', outcome: 'unchanged' }, result.alertsUnchanged);
    return result;
  }
}

/** The part of a batch one transaction writes. */
type Lane = Pick<PreparedBatch, 'events' | 'alerts' | 'offsets'>;

/**
 * Splits a batch into at most `lanes` parts by input partition number (events and alerts of a partition
 * number go together, with its offsets of every topic), balancing rows greedily. Partitions without
 * rows (all rejected, expired or repeated) store their offsets in the first lane.
 */
export function splitByPartition(batch: Lane, lanes: number): Lane[] {
  const rows = batch.events.length + batch.alerts.length;
  const n = Math.min(lanes, Math.floor(rows / MIN_LANE_ROWS));
  if (n <= 1) return [batch];
  const counts = new Map<number, number>();
  for (const e of batch.events) counts.set(e.kafka_partition, (counts.get(e.kafka_partition) ?? 0) + 1);
  for (const a of batch.alerts) counts.set(a.kafka_partition, (counts.get(a.kafka_partition) ?? 0) + 1);
  if (counts.size <= 1) return [batch];
  const load = new Array<number>(n).fill(0);
  const laneOf = new Map<number, number>();
  for (const [partition, c] of [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    const lightest = load.indexOf(Math.min(...load));
    laneOf.set(partition, lightest);
    load[lightest] += c;
  }
  const out: Lane[] = Array.from({ length: n }, () => ({ events: [], alerts: [], offsets: [] }));
  for (const e of batch.events) out[laneOf.get(e.kafka_partition)!].events.push(e);
  for (const a of batch.alerts) out[laneOf.get(a.kafka_partition)!].alerts.push(a);
  for (const o of batch.offsets) out[laneOf.get(o.partition) ?? 0].offsets.push(o);
  return out.filter((l) => l.events.length + l.alerts.length > 0 || l.offsets.length > 0);
}

const COPY_SLICE = 500;
function* slices(events: Lane['events']): Generator<string> {
  for (let i = 0; i < events.length; i += COPY_SLICE) yield eventsCopyText(events.slice(i, i + COPY_SLICE));
}

export interface StoredOffset {
  topic: string;
  partition: number;
  nextOffset: number;
}

/** Offsets stored for some partitions of a group, as the runtime's start offsets ("topic:partition" -> next offset). */
export async function storedOffsets(pool: Pool, group: string, partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (partitions.length === 0) return out;
  const { rows } = await query<{ topic: string; partition: number; next_offset: string }>(
    pool,
    'offsets',
    `SELECT topic, partition, next_offset FROM consumer_offsets
     WHERE consumer_group = $1 AND (topic, partition) IN (SELECT * FROM unnest($2::text[], $3::int[]))`,
    [group, partitions.map((p) => p.topic), partitions.map((p) => p.partition)],
  );
  for (const r of rows) out.set(`${r.topic}:${r.partition}`, Number(r.next_offset));
  return out;
}
