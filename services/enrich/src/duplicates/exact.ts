/**
 * Exact duplicates: an event is a duplicate when its id, or its normalised content, was first seen on
 * another record within `windowMs` of event time (occurredAt).
 *
 * Event time rather than wall-clock time, so a replay that reads an hour in seconds flags the same
 * events as the live run did. Each key remembers the record that first carried it (topic-partition and
 * offset): the same Kafka record seen again (a redelivery after a failed commit, or a replay) is not a
 * duplicate of itself. At most `maxEntries` keys are remembered; keys are forgotten in the order they
 * were first remembered (a key re-anchored after its window keeps its place).
 *
 * The keys live in preallocated typed arrays (a ring in insertion order plus an open-addressing index on
 * a 64-bit hash of the key), not in a Map of objects: hundreds of thousands of entries churning at tens
 * of thousands per second would otherwise keep the garbage collector busy. Two different keys with the
 * same 64-bit hash would count as one: with a million keys remembered, about 5·10^-14 per lookup.
 */
export interface DuplicateWindowOptions {
  windowMs: number;
  maxEntries: number;
}

/** Where a record sits in Kafka: the identity of one delivery source. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

const EMPTY = 0;

export class DuplicateWindow {
  private readonly capacity: number;
  // The ring in insertion order, oldest entry at `head`.
  private readonly hashHi: Int32Array;
  private readonly hashLo: Int32Array;
  private readonly at: Float64Array;
  private readonly offset: Float64Array;
  private readonly partition: Int32Array;
  private readonly topic: Int32Array;
  private head = 0;
  private count = 0;
  // Open addressing with linear probing: index holds ring slot + 1, EMPTY when free. Load stays <= 0.5.
  private readonly index: Int32Array;
  private readonly mask: number;
  private readonly topics = new Map<string, number>();

  constructor(private readonly options: DuplicateWindowOptions) {
    if (!(options.windowMs > 0)) throw new Error(`windowMs ${options.windowMs}: expected a positive number of milliseconds`);
    if (!(options.maxEntries >= 1)) throw new Error(`maxEntries ${options.maxEntries}: expected at least 1`);
    const capacity = Math.floor(options.maxEntries);
    this.capacity = capacity;
    this.hashHi = new Int32Array(capacity);
    this.hashLo = new Int32Array(capacity);
    this.at = new Float64Array(capacity);
    this.offset = new Float64Array(capacity);
    this.partition = new Int32Array(capacity);
    this.topic = new Int32Array(capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.count;
  }

  /**
   * Records a sighting of `keys` (e.g. "id:…" and "content:…") by the record at `position` at event time
   * `at`; true when any key was first carried by another record within the window.
   */
  check(keys: readonly string[], at: number, position: RecordPosition): boolean {
    const topicId = this.topicIdOf(position.topic);
    let duplicate = false;
    for (const key of keys) {
      hash64('', key);
      if (this.sighting(hashHi, hashLo, at, position, topicId)) duplicate = true;
    }
    return duplicate;
  }

  /** check([`id:${id}`, `content:${content}`]) (the content key only when given), without building the keys. */
  checkEvent(id: string, content: string | null, at: number, position: RecordPosition): boolean {
    const topicId = this.topicIdOf(position.topic);
    hash64('id:', id);
    let duplicate = this.sighting(hashHi, hashLo, at, position, topicId);
    if (content !== null) {
      hash64('content:', content);
      if (this.sighting(hashHi, hashLo, at, position, topicId)) duplicate = true;
    }
    return duplicate;
  }

  private topicIdOf(topic: string): number {
    let topicId = this.topics.get(topic);
    if (topicId === undefined) this.topics.set(topic, (topicId = this.topics.size));
    return topicId;
  }

  /** One key's sighting; true when it was first carried by another record within the window. */
  private sighting(hi: number, lo: number, at: number, position: RecordPosition, topicId: number): boolean {
    const found = this.find(hi, lo);
    if (found >= 0) {
      const slot = this.index[found] - 1;
      if (Math.abs(at - this.at[slot]) <= this.options.windowMs) {
        return this.offset[slot] !== position.offset || this.partition[slot] !== position.partition || this.topic[slot] !== topicId;
      }
      // The earlier sighting is outside the window: this record now anchors the key (in its place).
      this.anchor(slot, at, position, topicId);
      return false;
    }
    this.append(hi, lo, at, position, topicId);
    return false;
  }

  /** Index position holding the key, or -1. */
  private find(hi: number, lo: number): number {
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const v = this.index[i];
      if (v === EMPTY) return -1;
      if (this.hashLo[v - 1] === lo && this.hashHi[v - 1] === hi) return i;
    }
  }

  private append(hi: number, lo: number, at: number, position: RecordPosition, topicId: number): void {
    if (this.count === this.capacity) {
      // Full: forget the oldest entry.
      const oldest = this.head;
      this.removeAt(this.find(this.hashHi[oldest], this.hashLo[oldest]));
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
    const slot = (this.head + this.count) % this.capacity;
    this.count++;
    this.hashHi[slot] = hi;
    this.hashLo[slot] = lo;
    this.anchor(slot, at, position, topicId);
    let i = lo & this.mask;
    while (this.index[i] !== EMPTY) i = (i + 1) & this.mask;
    this.index[i] = slot + 1;
  }

  private anchor(slot: number, at: number, position: RecordPosition, topicId: number): void {
    this.at[slot] = at;
    this.offset[slot] = position.offset;
    this.partition[slot] = position.partition;
    this.topic[slot] = topicId;
  }

  /** Deletes index position i, shifting later entries of its probe run back (no tombstones). */
  private removeAt(i: number): void {
    const { index, mask } = this;
    let hole = i;
    for (let j = (i + 1) & mask; index[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.hashLo[index[j] - 1] & mask;
      // Move j into the hole when its home position is not cyclically within (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        index[hole] = index[j];
        hole = j;
      }
    }
    index[hole] = EMPTY;
  }
}

// hash64's result, without allocating a pair per call on the hot path.
let hashHi = 0;
let hashLo = 0;

/** Two independent 32-bit hashes of prefix + text (FNV-1a style, then mixed), into hashHi and hashLo. */
function hash64(prefix: string, text: string): void {
  let a = 0x811c9dc5;
  let b = 0x3c6ef372;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= prefix.length + text.length;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  hashHi = a | 0;
  hashLo = b | 0;
}

/** A 64-bit hash of a text as 16 hex digits (two independent 32-bit hashes); not cryptographic. */
export function contentHash(text: string): string {
  hash64('', text);
  return (hashHi >>> 0).toString(16).padStart(8, '0') + (hashLo >>> 0).toString(16).padStart(8, '0');
}
