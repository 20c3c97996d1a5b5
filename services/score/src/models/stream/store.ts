/**
 * Streaming model state of the partitions this process owns: entity states keyed by input partition and
 * entity, which entities changed since the last checkpoint, a bound on how many entities are held, and the
 * checkpoint records (compacted topic, key `${partition}|${entity}`, JSON value).
 *
 * A checkpoint of a partition is consistent at an input offset: besides the changed entities it writes a
 * marker `${partition}|@` = {offset} meaning "every entity of this partition is checkpointed through this
 * offset". A new owner restores the entities and resumes the partition right after the marker; each
 * entity also remembers the last offset it applied, so records seen again are not counted twice.
 */
import { bucketOf, type EntityFigures, type EntityState, type StreamParams } from './entity';
import { countZ } from './stats';

export type EntityType = 'keyword' | 'hashtag' | 'author' | 'source';
export const ENTITY_TYPES: readonly EntityType[] = ['keyword', 'hashtag', 'author', 'source'];
const PREFIX: Record<EntityType, string> = { keyword: 'k:', hashtag: 'h:', author: 'a:', source: 's:' };
const TYPE_OF: Record<string, EntityType> = { k: 'keyword', h: 'hashtag', a: 'author', s: 'source' };
const INDEX: Record<EntityType, number> = { keyword: 0, hashtag: 1, author: 2, source: 3 };

export const entityKey = (type: EntityType, value: string): string => PREFIX[type] + value;
export function parseEntityKey(key: string): { type: EntityType; value: string } | null {
  const type = TYPE_OF[key[0]];
  return type && key[1] === ':' ? { type, value: key.slice(2) } : null;
}

export const MARKER = '@';
export const checkpointKey = (partition: number, entity: string): string => `${partition}|${entity}`;
export function parseCheckpointKey(key: string): { partition: number; entity: string } | null {
  const bar = key.indexOf('|');
  if (bar <= 0) return null;
  const partition = Number(key.slice(0, bar));
  return Number.isInteger(partition) && partition >= 0 ? { partition, entity: key.slice(bar + 1) } : null;
}

export interface CheckpointRecord {
  key: string;
  value: EntityState | { offset: number };
}


// Offsets of an entity's fields in its slot (the EntityState fields of the same letters).
const B = 0;
const C = 1;
const M = 2;
const V = 3;
const N = 4;
const L = 5;
const T = 6;
const PT = 7;
const O = 8;
const STRIDE = 9;

interface PartitionState {
  /** Slot of each entity by type (keyword, hashtag, author, source) and value. */
  maps: Array<Map<string, number>>;
  /** Slots changed since the last checkpoint. */
  dirty: number[];
  /** Changed slots evicted from memory before their checkpoint, by entity key. */
  evicted: Map<string, number>;
  /** Last input offset applied (-1 none). */
  offset: number;
  /** Offset of the last checkpoint marker written (-1 none). */
  checkpointed: number;
}

export interface StreamStoreOptions {
  params: StreamParams;
  /** Entity types that keep an hour-of-day profile. */
  seasonalTypes: ReadonlySet<EntityType>;
  /** Most entities held in memory over all partitions; the least recently active are evicted beyond it. */
  maxEntities: number;
}

const hourOf = (t: number): number => Math.floor(t / 3_600_000) % 24;

export class StreamStore {
  private readonly partitions = new Map<number, PartitionState>();
  private size = 0;
  private lastTime = NaN;
  private lastBucket = 0;
  private readonly p: StreamParams;
  private readonly seasonal: boolean[] = [false, false, false, false];

  // Slots: numbers in `data`, the rest beside them by slot number; freed slots are reused.
  private data = new Float64Array(STRIDE * 1024);
  private capacity = 1024;
  private used = 0;
  private readonly free: number[] = [];
  private types = new Uint8Array(1024);
  private dirtyFlags = new Uint8Array(1024);
  private readonly values: string[] = [];
  /** Hour-of-day profile of each slot of a seasonal type. */
  private readonly seasons: Array<number[] | undefined> = [];

  constructor(readonly options: StreamStoreOptions) {
    this.p = options.params;
    for (let t = 0; t < 4; t++) this.seasonal[t] = options.seasonalTypes.has(ENTITY_TYPES[t]);
  }

  get params(): StreamParams {
    return this.options.params;
  }

  // The last partition looked up: the entities of one event all belong to its partition.
  private lastPartition = -1;
  private lastPartitionState: PartitionState | null = null;

  private partition(p: number): PartitionState {
    if (p === this.lastPartition && this.lastPartitionState !== null) return this.lastPartitionState;
    let st = this.partitions.get(p);
    if (!st) {
      st = { maps: [new Map(), new Map(), new Map(), new Map()], dirty: [], evicted: new Map(), offset: -1, checkpointed: -1 };
      this.partitions.set(p, st);
    }
    this.lastPartition = p;
    this.lastPartitionState = st;
    return st;
  }

  /** A fresh slot for an entity of type index `t` (newEntityState's values). */
  private alloc(t: number, value: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot >= this.capacity) this.grow();
    }
    const d = this.data;
    const i = slot * STRIDE;
    d[i + B] = -1;
    d[i + C] = 0;
    d[i + M] = 0;
    d[i + V] = 0;
    d[i + N] = 0;
    d[i + L] = 0;
    d[i + T] = 0;
    d[i + PT] = 0;
    d[i + O] = -1;
    this.types[slot] = t;
    this.dirtyFlags[slot] = 0;
    this.values[slot] = value;
    this.seasons[slot] = this.seasonal[t] ? new Array<number>(24).fill(1) : undefined;
    return slot;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const data = new Float64Array(STRIDE * capacity);
    data.set(this.data);
    this.data = data;
    const types = new Uint8Array(capacity);
    types.set(this.types);
    this.types = types;
    const dirty = new Uint8Array(capacity);
    dirty.set(this.dirtyFlags);
    this.dirtyFlags = dirty;
    this.capacity = capacity;
  }

  private release1(slot: number): void {
    this.values[slot] = '';
    this.seasons[slot] = undefined;
    this.dirtyFlags[slot] = 0;
    this.free.push(slot);
  }

  /** The checkpointed form of a slot (EntityState's fields in this order; s only when seasonal). */
  private stateOf(slot: number): EntityState {
    const d = this.data;
    const i = slot * STRIDE;
    const st: EntityState = { b: d[i + B], c: d[i + C], m: d[i + M], v: d[i + V], n: d[i + N], L: d[i + L], T: d[i + T], pT: d[i + PT], o: d[i + O] };
    const s = this.seasons[slot];
    if (s !== undefined) st.s = s;
    return st;
  }

  owns(p: number): boolean {
    return this.partitions.has(p);
  }

  ownedPartitions(): number[] {
    return [...this.partitions.keys()];
  }

  entityCount(): number {
    return this.size;
  }

  /** State of an entity by its key (k:flood, s:twitter …), as a copy (the profile s is the live one). */
  get(p: number, key: string): EntityState | undefined {
    const slot = this.slotOf(p, key);
    return slot === undefined ? undefined : this.stateOf(slot);
  }

  private slotOf(p: number, key: string): number | undefined {
    const k = parseEntityKey(key);
    return k ? this.partitions.get(p)?.maps[INDEX[k.type]].get(k.value) : undefined;
  }

  /**
   * Counts an event for an entity and returns the entity's figures after it (written into `out` when
   * given, which the caller then owns until its next call).
   */
  observe(p: number, type: EntityType, value: string, time: number, offset: number, out?: EntityFigures): EntityFigures {
    const ps = this.partition(p);
    const t = INDEX[type];
    const map = ps.maps[t];
    let slot = map.get(value);
    let added = false;
    if (slot === undefined) {
      if (ps.evicted.size > 0) {
        const key = entityKey(type, value);
        slot = ps.evicted.get(key);
        if (slot !== undefined) ps.evicted.delete(key);
      }
      if (slot === undefined) slot = this.alloc(t, value);
      map.set(value, slot);
      this.size++;
      added = true;
    }
    // The entities of one event share its time: one bucket computation per event.
    if (time !== this.lastTime) {
      this.lastTime = time;
      this.lastBucket = bucketOf(time, this.p);
    }
    // entity.observe(): an offset already applied is not counted again.
    const d = this.data;
    const i = slot * STRIDE;
    if (!(offset >= 0 && offset <= d[i + O])) {
      this.advanceTo(slot, this.lastBucket);
      d[i + C]++;
      if (offset >= 0) d[i + O] = offset;
      if (this.dirtyFlags[slot] === 0) {
        this.dirtyFlags[slot] = 1;
        ps.dirty.push(slot);
      }
    }
    if (offset > ps.offset) ps.offset = offset;
    // After observing, so the entity just counted is among the most recently active.
    if (added && this.size > this.options.maxEntities) this.evict();
    return this.figuresInto(slot, out ?? { z: 0, count: 0, expected: 0, sd: 0, bucket: 0, velocity: 0, acceleration: 0, level: 0, warm: false });
  }

  /** entity.seasonFactor() of a slot. */
  private seasonFactor(slot: number, bucket: number): number {
    const s = this.seasons[slot];
    return s !== undefined ? Math.max(0.05, s[hourOf(bucket)]) : 1;
  }

  /** entity.closeBucket() on a slot. */
  private closeBucket(slot: number, x: number, bucket: number): void {
    const p = this.p;
    const d = this.data;
    const i = slot * STRIDE;
    const f = this.seasonFactor(slot, bucket);
    let clipped = x;
    if (d[i + N] >= p.warmupBuckets) {
      const expected = d[i + M] * f;
      const sd = Math.max(p.minStd, Math.sqrt(Math.max(d[i + V] * f * f, expected)));
      clipped = Math.min(x, expected + p.clampZ * sd);
    }
    const dd = clipped / f;
    if (d[i + N] === 0) {
      d[i + M] = dd;
      d[i + V] = 0;
    } else {
      const diff = dd - d[i + M];
      const incr = p.alpha * diff;
      d[i + M] += incr;
      d[i + V] = (1 - p.alpha) * (d[i + V] + diff * incr);
    }
    const s = this.seasons[slot];
    if (s !== undefined && d[i + M] > 0.5) {
      const h = hourOf(bucket);
      s[h] += p.seasonAlpha * (clipped / d[i + M] - s[h]);
    }
    // Holt's linear trend on the raw counts.
    if (d[i + N] === 0) {
      d[i + L] = x;
      d[i + T] = 0;
      d[i + PT] = 0;
    } else {
      const prevL = d[i + L];
      d[i + L] = p.trendAlpha * x + (1 - p.trendAlpha) * (d[i + L] + d[i + T]);
      d[i + PT] = d[i + T];
      d[i + T] = p.trendBeta * (d[i + L] - prevL) + (1 - p.trendBeta) * d[i + T];
    }
    d[i + N]++;
  }

  /** entity.advanceTo() on a slot. */
  private advanceTo(slot: number, bucket: number): void {
    const p = this.p;
    const d = this.data;
    const i = slot * STRIDE;
    const b = d[i + B];
    if (b < 0) {
      d[i + B] = bucket;
      d[i + C] = 0;
      return;
    }
    if (bucket <= b) return; // same bucket, or a late event: it counts in the bucket in progress
    this.closeBucket(slot, d[i + C], b);
    const gaps = Math.min((bucket - b) / p.bucketMs - 1, p.maxGapBuckets);
    for (let k = 1; k <= gaps; k++) this.closeBucket(slot, 0, b + k * p.bucketMs);
    d[i + B] = bucket;
    d[i + C] = 0;
  }

  /** entity.figuresInto() of a slot. */
  private figuresInto(slot: number, out: EntityFigures): EntityFigures {
    const p = this.p;
    const d = this.data;
    const i = slot * STRIDE;
    const f = this.seasonFactor(slot, d[i + B]);
    const expected = d[i + M] * f;
    const sd = Math.max(p.minStd, Math.sqrt(Math.max(d[i + V] * f * f, expected)));
    const warm = d[i + N] >= p.warmupBuckets;
    out.z = warm ? countZ(d[i + C], expected, sd) : 0;
    out.count = d[i + C];
    out.expected = expected;
    out.sd = sd;
    out.bucket = d[i + B];
    out.velocity = d[i + T];
    out.acceleration = d[i + T] - d[i + PT];
    out.level = d[i + L];
    out.warm = warm;
    return out;
  }

  /** Figures of an entity at time `time` without counting an event (closes buckets that ended). */
  peek(p: number, key: string, time: number): EntityFigures | undefined {
    const slot = this.slotOf(p, key);
    if (slot === undefined) return undefined;
    this.advanceTo(slot, bucketOf(time, this.p));
    return this.figuresInto(slot, { z: 0, count: 0, expected: 0, sd: 0, bucket: 0, velocity: 0, acceleration: 0, level: 0, warm: false });
  }

  /** Marks an input offset as applied for a partition (records without entities move the partition too). */
  applied(p: number, offset: number): void {
    const ps = this.partition(p);
    if (offset > ps.offset) ps.offset = offset;
  }

  /**
   * Evicts a tenth of the bound, least recently active first (by the bucket each entity last counted
   * in; ties in map order). A sort per eviction rather than re-ordering the maps on every new bucket:
   * evictions are rare, bucket changes are not.
   */
  private evict(): void {
    const toEvict = Math.min(this.size, Math.max(1, Math.floor(this.options.maxEntities / 10)));
    const buckets = new Float64Array(this.size);
    const d = this.data;
    let k = 0;
    for (const ps of this.partitions.values()) for (const map of ps.maps) for (const slot of map.values()) buckets[k++] = d[slot * STRIDE + B];
    const sorted = buckets.subarray(0, k).sort();
    const cutoff = sorted[toEvict - 1];
    let older = 0;
    while (older < toEvict && sorted[older] < cutoff) older++;
    let atCutoff = toEvict - older;
    for (const ps of this.partitions.values()) {
      for (let t = 0; t < 4; t++) {
        for (const [value, slot] of ps.maps[t]) {
          const b = d[slot * STRIDE + B];
          if (b > cutoff || (b === cutoff && atCutoff <= 0)) continue;
          if (b === cutoff) atCutoff--;
          ps.maps[t].delete(value);
          this.size--;
          if (this.dirtyFlags[slot] === 1) ps.evicted.set(entityKey(ENTITY_TYPES[t], value), slot);
          else this.release1(slot);
        }
      }
    }
  }

  /**
   * Checkpoint records of the given partitions (all owned when omitted): changed entities, then markers.
   * The values hold the live hour-of-day profiles; serialise them before the next observe().
   */
  checkpoint(partitions?: number[]): CheckpointRecord[] {
    const out: CheckpointRecord[] = [];
    const markers: CheckpointRecord[] = [];
    for (const p of partitions ?? this.ownedPartitions()) {
      const ps = this.partitions.get(p);
      if (!ps) continue;
      for (const slot of ps.dirty) {
        this.dirtyFlags[slot] = 0;
        out.push({ key: checkpointKey(p, entityKey(ENTITY_TYPES[this.types[slot]], this.values[slot])), value: this.stateOf(slot) });
      }
      ps.dirty = [];
      for (const slot of ps.evicted.values()) this.release1(slot);
      ps.evicted.clear();
      if (ps.offset > ps.checkpointed) {
        markers.push({ key: checkpointKey(p, MARKER), value: { offset: ps.offset } });
        ps.checkpointed = ps.offset;
      }
    }
    return [...out, ...markers];
  }

  /** Whether any owned partition has state newer than its last checkpoint. */
  hasChanges(): boolean {
    for (const ps of this.partitions.values()) if (ps.dirty.length > 0 || ps.offset > ps.checkpointed) return true;
    return false;
  }

  /** Frees every slot of a partition's state. */
  private drop(ps: PartitionState): void {
    for (const map of ps.maps) for (const slot of map.values()) this.release1(slot);
    for (const slot of ps.evicted.values()) this.release1(slot);
  }

  /**
   * Takes over partitions from checkpoint records (the compacted topic read to its end, later records
   * winning). Returns the marker offset of each partition that has one.
   */
  restore(partitions: number[], records: Iterable<{ key: string; value: unknown }>): Map<number, number> {
    const wanted = new Set(partitions);
    const markers = new Map<number, number>();
    for (const p of partitions) {
      const old = this.partitions.get(p);
      if (old) {
        this.size -= sizeOf(old);
        this.drop(old);
      }
      this.partitions.delete(p);
      this.lastPartition = -1;
      this.partition(p);
    }
    for (const r of records) {
      const k = parseCheckpointKey(r.key);
      if (!k || !wanted.has(k.partition) || r.value === null || typeof r.value !== 'object') continue;
      const ps = this.partition(k.partition);
      if (k.entity === MARKER) {
        const offset = (r.value as { offset?: unknown }).offset;
        if (typeof offset === 'number') {
          markers.set(k.partition, offset);
          ps.offset = Math.max(ps.offset, offset);
          ps.checkpointed = ps.offset;
        }
        continue;
      }
      const e = parseEntityKey(k.entity);
      const st = r.value as EntityState;
      if (!e || typeof st.b !== 'number' || typeof st.m !== 'number' || typeof st.o !== 'number') continue;
      const t = INDEX[e.type];
      const map = ps.maps[t];
      let slot = map.get(e.value);
      if (slot === undefined) {
        slot = this.alloc(t, e.value);
        map.set(e.value, slot);
        this.size++;
      }
      this.load(slot, st);
    }
    if (this.size > this.options.maxEntities) this.evict();
    return markers;
  }

  /** Puts a checkpointed state into a slot (a field it lacks reads as its starting value). */
  private load(slot: number, st: EntityState): void {
    const d = this.data;
    const i = slot * STRIDE;
    const num = (x: unknown, otherwise: number): number => (typeof x === 'number' ? x : otherwise);
    d[i + B] = st.b;
    d[i + C] = num(st.c, 0);
    d[i + M] = st.m;
    d[i + V] = num(st.v, 0);
    d[i + N] = num(st.n, 0);
    d[i + L] = num(st.L, 0);
    d[i + T] = num(st.T, 0);
    d[i + PT] = num(st.pT, 0);
    d[i + O] = st.o;
    // The checkpoint says whether the entity has a profile (as the old object states did).
    this.seasons[slot] = Array.isArray(st.s) ? st.s.map((x) => num(x, 1)) : undefined;
  }

  /** Records that a partition's (empty or restored) state is checkpointed through `offset`. */
  markCheckpointed(p: number, offset: number): void {
    const ps = this.partition(p);
    ps.offset = Math.max(ps.offset, offset);
    ps.checkpointed = ps.offset;
  }

  /** Drops partitions this process no longer owns (after their state was checkpointed). */
  release(partitions: number[]): void {
    for (const p of partitions) {
      const ps = this.partitions.get(p);
      if (!ps) continue;
      this.size -= sizeOf(ps);
      this.drop(ps);
      this.partitions.delete(p);
      this.lastPartition = -1;
    }
  }
}

const sizeOf = (ps: PartitionState): number => ps.maps[0].size + ps.maps[1].size + ps.maps[2].size + ps.maps[3].size;
