/** The steps an event goes through, in order, as the console's pipeline view shows them. */
export const PIPELINE_STEPS = ['accepted', 'enriched', 'scored', 'persisted'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** One event followed through the pipeline: when each step was seen (ms; Kafka timestamps, commit time for persisted). */
export interface TrackedEvent {
  id: string;
  producer: string | null;
  accepted?: number;
  enriched?: number;
  scored?: number;
  persisted?: number;
}

export interface TrackerLimits {
  /** Events followed at once; the oldest is forgotten beyond it. */
  maxEvents: number;
  /** New events taken in per second at most (a sample under heavy traffic, so each can be followed to the end). */
  admitPerSecond: number;
}

const HEADER_BYTES = 5;

/**
 * The event id of a Confluent-framed RawEvent, EnrichedEvent or ScoredEvent without decoding the rest:
 * `id` is RawEvent's first field and the other two nest the RawEvent (or the EnrichedEvent holding it)
 * first, so the Avro body starts with the id string (zig-zag length, then UTF-8). A unit test holds the
 * schemas to this. Null when the bytes do not look like that.
 */
export function leadingId(value: Buffer | null): string | null {
  if (!value || value.length < HEADER_BYTES + 1 || value[0] !== 0) return null;
  let pos = HEADER_BYTES;
  let n = 0;
  let shift = 0;
  for (;;) {
    if (pos >= value.length || shift > 28) return null;
    const b = value[pos++];
    n |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  const len = (n >>> 1) ^ -(n & 1);
  if (len <= 0 || len > 1024 || pos + len > value.length) return null;
  return value.toString('utf8', pos, pos + len);
}

/**
 * Recent events and the steps each has reached, bounded in count. Events enter when they are seen
 * accepted (in the raw topic), at most `admitPerSecond` a second; later steps only update events
 * already followed, so the cost of a record not followed is one map lookup. Pure: the caller gives
 * the clock.
 */
export class PipelineTracker {
  private readonly events = new Map<string, TrackedEvent>();
  private windowStart = 0;
  private admittedInWindow = 0;
  /** Records seen per step since the last snapshot (all of them, followed or not). */
  private readonly seen: Record<PipelineStep, number> = { accepted: 0, enriched: 0, scored: 0, persisted: 0 };
  private lastSnapshot: number | null = null;

  constructor(private readonly limits: TrackerLimits) {}

  get size(): number {
    return this.events.size;
  }

  /** Whether a newly accepted event would be followed now (counts it as admitted when it is). */
  admit(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.admittedInWindow = 0;
    }
    if (this.admittedInWindow >= this.limits.admitPerSecond) return false;
    this.admittedInWindow++;
    return true;
  }

  /** A step seen for an event. `accepted` adds the event (after admit()); other steps update a followed one. */
  record(step: PipelineStep, id: string, at: number, producer: string | null = null): void {
    let e = this.events.get(id);
    if (!e) {
      if (step !== 'accepted') return;
      e = { id, producer };
      this.events.set(id, e);
      if (this.events.size > this.limits.maxEvents) this.events.delete(this.events.keys().next().value!);
    }
    if (producer !== null && e.producer === null) e.producer = producer;
    // A replay or redelivery shows the step again; the first sighting is the one that counts.
    if (e[step] === undefined) e[step] = at;
  }

  /** Counts a record seen at a step (followed or not), for the per-step rates. */
  count(step: PipelineStep, n = 1): void {
    this.seen[step] += n;
  }

  isFollowed(id: string): boolean {
    return this.events.has(id);
  }

  /**
   * The most recently accepted events first, at most `limit`, and records per second seen at each
   * step since the previous snapshot.
   */
  snapshot(now: number, limit = 50): { events: TrackedEvent[]; ratePerSec: Record<PipelineStep, number | null> } {
    const list = [...this.events.values()];
    const events = list.slice(Math.max(0, list.length - limit)).reverse().map((e) => ({ ...e }));
    const elapsed = this.lastSnapshot === null ? 0 : (now - this.lastSnapshot) / 1000;
    const ratePerSec = {} as Record<PipelineStep, number | null>;
    for (const s of PIPELINE_STEPS) {
      ratePerSec[s] = elapsed > 0 ? this.seen[s] / elapsed : null;
      this.seen[s] = 0;
    }
    this.lastSnapshot = now;
    return { events, ratePerSec };
  }

  clear(): void {
    this.events.clear();
    for (const s of PIPELINE_STEPS) this.seen[s] = 0;
    this.lastSnapshot = null;
  }
}
