/**
 * Dedup and re-surfacing of alerts by dedup key.
 *
 * The first firing of a key is surfaced as `new`. Further firings within `windowMs` of the surfaced
 * one are `duplicate` (not delivered). A firing after the window, or after an analyst acknowledged the
 * key, is surfaced again as `resurfaced`, like an unread notification coming back, and opens a new
 * window. Time is the alert's Kafka timestamp, not the wall clock, so a redelivery or a re-read of the
 * same records reaches the same decisions.
 */
export type Surfacing = 'new' | 'resurfaced' | 'duplicate';

export interface DedupDecision {
  status: Surfacing;
  /** Timestamp of the firing that opened the current window: names one surfaced notification. */
  episode: number;
  /** Firings of the key folded into this episode so far (1 for the surfaced one). */
  occurrences: number;
}

interface Entry {
  episode: number;
  occurrences: number;
  /** When an analyst acknowledged the current episode (null while unacknowledged). */
  ackedAt: number | null;
  lastSeen: number;
}

export interface DedupOptions {
  windowMs: number;
  /** How long a key is remembered after its last firing, so a later firing shows as resurfaced (≥ windowMs). */
  memoryMs?: number;
  /** Most keys remembered; the least recently fired are forgotten first. */
  maxKeys?: number;
}

export class DedupWindow {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly memoryMs: number;
  private readonly maxKeys: number;
  private streamTime = 0;

  constructor(options: DedupOptions) {
    if (!(options.windowMs >= 0)) throw new Error(`dedup windowMs must be ≥ 0, got ${options.windowMs}`);
    this.windowMs = options.windowMs;
    this.memoryMs = Math.max(options.memoryMs ?? 24 * 3600_000, options.windowMs);
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  get size(): number {
    return this.entries.size;
  }

  decide(dedupKey: string, at: number): DedupDecision {
    this.streamTime = Math.max(this.streamTime, at);
    const e = this.entries.get(dedupKey);
    let decision: DedupDecision;
    if (!e) {
      decision = { status: 'new', episode: at, occurrences: 1 };
      this.touch(dedupKey, { episode: at, occurrences: 1, ackedAt: null, lastSeen: at });
    } else if ((e.ackedAt !== null && at >= e.ackedAt) || at - e.episode >= this.windowMs) {
      decision = { status: 'resurfaced', episode: at, occurrences: 1 };
      this.touch(dedupKey, { episode: at, occurrences: 1, ackedAt: null, lastSeen: at });
    } else {
      e.occurrences++;
      e.lastSeen = Math.max(e.lastSeen, at);
      decision = { status: 'duplicate', episode: e.episode, occurrences: e.occurrences };
      this.touch(dedupKey, e);
    }
    this.evict();
    return decision;
  }

  /**
   * An analyst acknowledged the key's current notification: the next firing at or after `at` is
   * surfaced again. Returns false when the key is unknown (never fired or forgotten).
   */
  ack(dedupKey: string, at: number): boolean {
    const e = this.entries.get(dedupKey);
    if (!e) return false;
    e.ackedAt = at;
    return true;
  }

  isAcknowledged(dedupKey: string): boolean {
    return this.entries.get(dedupKey)?.ackedAt != null;
  }

  private touch(key: string, entry: Entry): void {
    // Re-inserting keeps the map ordered by last firing, so eviction only looks at its front.
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      const tooOld = this.streamTime - e.lastSeen > this.memoryMs;
      if (!tooOld && this.entries.size <= this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}

/** Bounded memory of the decisions taken per alert position, so a catch-up re-read reports them unchanged. */
export interface RecordedDecision {
  status: Surfacing;
  dedupKey: string;
  episode: number;
}

export class DecisionLog {
  private readonly entries = new Map<string, RecordedDecision>();

  constructor(private readonly max = 100_000) {}

  record(id: string, decision: RecordedDecision): void {
    this.entries.delete(id);
    this.entries.set(id, decision);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get(id: string): RecordedDecision | undefined {
    return this.entries.get(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
