/**
 * Groups items into batches by count, by size and by time: a batch leaves when it holds `maxEvents`
 * items, when adding the next item would pass `maxBytes`, or `lingerMs` after its first item arrived,
 * whichever comes first. Timers are injected so the policy is unit-tested without waiting.
 */

export interface BatchLimits {
  /** Most events in one request. Ingest refuses more than INGEST_MAX_BATCH_EVENTS (1000 by default). */
  maxEvents: number;
  /** Most bytes of encoded events in one request. Ingest refuses bodies above INGEST_MAX_BODY_BYTES (4 MiB by default). */
  maxBytes: number;
  /** How long the first event of a batch may wait for others. 0 sends at the next turn of the event loop. */
  lingerMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxEvents: 500, maxBytes: 1024 * 1024, lingerMs: 20 };

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function checkBatchLimits(limits: BatchLimits): BatchLimits {
  const problems: string[] = [];
  if (!Number.isInteger(limits.maxEvents) || limits.maxEvents < 1) problems.push(`maxBatchEvents: expected an integer of at least 1, got ${limits.maxEvents}`);
  if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 1) problems.push(`maxBatchBytes: expected an integer of at least 1, got ${limits.maxBytes}`);
  if (!(limits.lingerMs >= 0) || !Number.isFinite(limits.lingerMs)) problems.push(`lingerMs: expected a number of 0 or more, got ${limits.lingerMs}`);
  if (problems.length) throw new Error(`invalid batching options: ${problems.join('; ')}`);
  return limits;
}

export class Batcher<T> {
  private items: T[] = [];
  private bytes = 0;
  private timer: unknown = null;

  constructor(
    private readonly limits: BatchLimits,
    private readonly sizeOf: (item: T) => number,
    private readonly dispatch: (batch: T[]) => void,
    private readonly timers: Timers = realTimers,
  ) {
    checkBatchLimits(limits);
  }

  get pending(): number {
    return this.items.length;
  }

  add(item: T): void {
    const size = this.sizeOf(item);
    // An item that would push the batch past its byte bound starts the next batch (a lone oversized item
    // still travels alone: the server's answer about it is the useful error).
    if (this.items.length > 0 && this.bytes + size > this.limits.maxBytes) this.flush();
    this.items.push(item);
    this.bytes += size;
    if (this.items.length >= this.limits.maxEvents || this.bytes >= this.limits.maxBytes) this.flush();
    else if (this.timer === null) this.timer = this.timers.set(() => this.onLinger(), this.limits.lingerMs);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.bytes = 0;
    this.dispatch(batch);
  }

  private onLinger(): void {
    this.timer = null;
    this.flush();
  }
}
