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

/**
 * Writes a prepared batch in one transaction of four round trips, whatever its size: BEGIN, COPY the
 * events into the connection's staging table, one statement for rows, aggregates and offsets, COMMIT.
 * A day never seen before costs one more round trip, for its partition, before that.
 */
export class BatchWriter {
  /** Connections whose staging table exists (a replaced connection is a new object). */
  private readonly staged = new WeakSet<PoolClient>();

  constructor(
    private readonly pool: Pool,
    private readonly partitions: EventPartitions,
    private readonly group: string,
  ) {}

  async write(batch: PreparedBatch): Promise<WriteResult> {
    await this.partitions.ensure(batch.days);
    const end = persistMetrics.writeSeconds.startTimer();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    let row: WriteRow;
    let committedAt: number;
    try {
      if (!this.staged.has(client)) {
        await query(client, 'write', CREATE_STAGING_SQL);
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

const COPY_SLICE = 500;
function* slices(events: PreparedBatch['events']): Generator<string> {
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
