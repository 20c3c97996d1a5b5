import type { Offsets } from '../position';

/** One Confirmation record as notify keeps it: the decoded value and where it is in Kafka. */
export interface ConfirmationEntry {
  partition: number;
  offset: number;
  /** Kafka timestamp of the record (when persist published it). */
  timestamp: number;
  producer: string | null;
  eventIds: string[];
  stage: string;
  committedAt: number;
}

export interface ConfirmationLogLimits {
  /** Entries older than this (by Kafka timestamp) are forgotten. */
  retainMs: number;
  /** Most event ids held across all entries; the oldest entries go first beyond it. */
  maxEventIds: number;
}

/** Where a resuming producer asked to start and what is still held. */
export type ResumeGap = { partition: number; requested: number; available: number } | { partition: number; requestedSince: number; availableSince: number };

export type ResumeFrom = { cursor: Offsets } | { since: number } | null;

/**
 * The recent confirmations, bounded by age and by event ids, indexed by producer, so a producer that
 * (re)connects with a cursor or a time is given what it missed from memory, scoped to its own events.
 *
 * The log also owns the live position of the confirmations topic (next offset per partition appended),
 * which is what a producer's cursor is made of. Pure: no I/O, no clock but the timestamps given.
 */
export class ConfirmationLog {
  /** Next offset per partition appended. */
  readonly positions: Offsets = new Map();
  private readonly entries: ConfirmationEntry[] = [];
  private head = 0;
  private readonly byProducer = new Map<string, ConfirmationEntry[]>();
  private readonly producerHead = new Map<string, number>();
  /** Per partition: the first offset still held (everything from here to positions is in memory). */
  private readonly low = new Map<number, number>();
  /** Per partition: the newest timestamp forgotten, or the time coverage began. */
  private readonly forgottenUntil = new Map<number, number>();
  private ids = 0;

  constructor(private readonly limits: ConfirmationLogLimits) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  get eventIds(): number {
    return this.ids;
  }

  /** Where the topic is read from on each partition, and since when its records are all held. */
  start(from: Offsets, coveredSince: number): void {
    for (const [p, o] of from) {
      if (!this.positions.has(p)) {
        this.positions.set(p, o);
        this.low.set(p, o);
        this.forgottenUntil.set(p, coveredSince - 1);
      }
    }
  }

  append(e: ConfirmationEntry): void {
    this.positions.set(e.partition, Math.max(e.offset + 1, this.positions.get(e.partition) ?? 0));
    if (!this.low.has(e.partition)) this.low.set(e.partition, e.offset);
    this.entries.push(e);
    this.ids += e.eventIds.length;
    if (e.producer !== null) {
      let list = this.byProducer.get(e.producer);
      if (!list) this.byProducer.set(e.producer, (list = []));
      list.push(e);
    }
    while (this.ids > this.limits.maxEventIds && this.size > 1) this.forgetOldest();
  }

  /** Forgets entries older than the retention; call now and then (appends only bound the count). */
  expire(now: number): void {
    while (this.size > 0 && this.entries[this.head].timestamp < now - this.limits.retainMs) this.forgetOldest();
  }

  private forgetOldest(): void {
    const e = this.entries[this.head];
    this.entries[this.head++] = undefined as unknown as ConfirmationEntry;
    this.ids -= e.eventIds.length;
    this.low.set(e.partition, Math.max(this.low.get(e.partition) ?? 0, e.offset + 1));
    this.forgottenUntil.set(e.partition, Math.max(this.forgottenUntil.get(e.partition) ?? -Infinity, e.timestamp));
    if (e.producer !== null) {
      const list = this.byProducer.get(e.producer)!;
      const h = (this.producerHead.get(e.producer) ?? 0) + 1;
      if (h >= list.length) {
        this.byProducer.delete(e.producer);
        this.producerHead.delete(e.producer);
      } else if (h > 1024 && h * 2 > list.length) {
        list.splice(0, h);
        this.producerHead.set(e.producer, 0);
      } else this.producerHead.set(e.producer, h);
    }
    // Compact now and then instead of shifting on every eviction.
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * A producer's held confirmations from a resume point, in the order they were read, plus the
   * gaps where the point lies before what is held. `null` resumes at the live position (nothing).
   */
  replay(producer: string, from: ResumeFrom): { entries: ConfirmationEntry[]; gaps: ResumeGap[] } {
    const gaps: ResumeGap[] = [];
    if (!from) return { entries: [], gaps };
    const list = this.byProducer.get(producer) ?? [];
    const start = this.producerHead.get(producer) ?? 0;
    const entries: ConfirmationEntry[] = [];
    if ('cursor' in from) {
      const floor = new Map<number, number>();
      for (const [p, live] of this.positions) {
        const requested = from.cursor.get(p) ?? 0;
        const available = this.low.get(p) ?? live;
        if (requested < available && available > 0 && requested < live) gaps.push({ partition: p, requested, available });
        floor.set(p, requested);
      }
      for (let i = start; i < list.length; i++) if (list[i].offset >= (floor.get(list[i].partition) ?? 0)) entries.push(list[i]);
    } else {
      for (const p of this.positions.keys()) {
        const until = this.forgottenUntil.get(p) ?? -Infinity;
        if (from.since <= until) gaps.push({ partition: p, requestedSince: from.since, availableSince: until + 1 });
      }
      for (let i = start; i < list.length; i++) if (list[i].timestamp >= from.since) entries.push(list[i]);
    }
    return { entries, gaps };
  }
}
