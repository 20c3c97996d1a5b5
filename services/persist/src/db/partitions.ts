import type { Pool } from 'pg';
import { persistMetrics } from './metrics';
import { query } from './pool';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** UTC day of an epoch-ms timestamp, as YYYY-MM-DD. */
export function dayOf(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Start of the oldest day still kept: a day partition is dropped once its end is `retentionDays` old,
 * so an event is stored only if its day ends after now - retention. Rows before this are expired.
 */
export function retentionStart(nowMs: number, retentionDays: number): number {
  return Math.floor((nowMs - retentionDays * DAY_MS) / DAY_MS) * DAY_MS;
}

/** Thrown when a row's day partition vanished (dropped by another instance): retried after re-checking. */
export class PartitionMissingError extends Error {
  readonly transient = true;
  constructor(cause: string) {
    super(`an events partition is missing (${cause}); re-checking partitions and retrying`);
    this.name = 'PartitionMissingError';
  }
}

/**
 * The day partitions of the events table this process knows exist. A write first makes sure every day
 * in its batch has a partition; that is a database round trip only the first time a day is seen.
 */
export class EventPartitions {
  private known = new Set<string>();

  constructor(private readonly pool: Pool) {}

  async load(): Promise<void> {
    const { rows } = await query<{ relname: string }>(
      this.pool,
      'partitions',
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
    );
    this.known = new Set(rows.map((r) => r.relname.replace(/^events_p(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3')));
    persistMetrics.partitions.set(this.known.size);
  }

  has(day: string): boolean {
    return this.known.has(day);
  }

  /** Creates the partitions of the given days that this process has not seen yet. */
  async ensure(days: Iterable<string>): Promise<void> {
    for (const day of days) {
      if (this.known.has(day)) continue;
      await query(this.pool, 'partitions', 'SELECT persist_ensure_event_partition($1::date)', [day]);
      this.known.add(day);
    }
    persistMetrics.partitions.set(this.known.size);
  }

  /** Forget what is known (after a missing-partition error or a retention sweep elsewhere). */
  async reload(): Promise<void> {
    await this.load();
  }

  /** Drops the partitions that end at or before `horizonMs`; returns their names. */
  async dropBefore(horizonMs: number): Promise<string[]> {
    const { rows } = await query<{ name: string }>(this.pool, 'maintenance', 'SELECT persist_drop_event_partitions($1) AS name', [new Date(horizonMs)]);
    await this.load();
    return rows.map((r) => r.name);
  }
}
