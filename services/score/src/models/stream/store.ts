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
import { advance, bucketOf, figures, figuresInto, newEntityState, observe, type EntityFigures, type EntityState, type StreamParams } from './entity';

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

/** Set on a state that changed since the last checkpoint (a symbol, so it is not serialised). */
const DIRTY = Symbol('dirty');
type Tracked = EntityState & { [DIRTY]?: boolean };

interface PartitionState {
  /** Entity states by type (keyword, hashtag, author, source) and value. */
  maps: Array<Map<string, Tracked>>;
  /** States changed since the last checkpoint, with their type and value. */
  dirty: Array<{ type: EntityType; value: string; st: Tracked }>;
  /** Changed states evicted from memory before their checkpoint, by entity key. */
  evicted: Map<string, Tracked>;
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

export class StreamStore {
  private readonly partitions = new Map<number, PartitionState>();
  private size = 0;
  private lastTime = NaN;
  private lastBucket = 0;

  constructor(readonly options: StreamStoreOptions) {}

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

  owns(p: number): boolean {
    return this.partitions.has(p);
  }

  ownedPartitions(): number[] {
    return [...this.partitions.keys()];
  }

  entityCount(): number {
    return this.size;
  }

  /** State of an entity by its key (k:flood, s:twitter …). */
  get(p: number, key: string): EntityState | undefined {
    const k = parseEntityKey(key);
    return k ? this.partitions.get(p)?.maps[INDEX[k.type]].get(k.value) : undefined;
  }

  /**
   * Counts an event for an entity and returns the entity's figures after it (written into `out` when
   * given, which the caller then owns until its next call).
   */
  observe(p: number, type: EntityType, value: string, time: number, offset: number, out?: EntityFigures): EntityFigures {
    const ps = this.partition(p);
    const map = ps.maps[INDEX[type]];
    let st = map.get(value);
    let added = false;
    if (!st) {
      const key = entityKey(type, value);
      st = ps.evicted.get(key) ?? newEntityState(this.options.seasonalTypes.has(type));
      ps.evicted.delete(key);
      map.set(value, st);
      this.size++;
      added = true;
    }
    // The entities of one event share its time: one bucket computation per event.
    if (time !== this.lastTime) {
      this.lastTime = time;
      this.lastBucket = bucketOf(time, this.options.params);
    }
    if (observe(st, time, offset, this.options.params, this.lastBucket) && !st[DIRTY]) {
      st[DIRTY] = true;
      ps.dirty.push({ type, value, st });
    }
    if (offset > ps.offset) ps.offset = offset;
    // After observing, so the entity just counted is among the most recently active.
    if (added && this.size > this.options.maxEntities) this.evict();
    return out ? figuresInto(st, this.options.params, out) : figures(st, this.options.params);
  }

  /** Figures of an entity at time `time` without counting an event (closes buckets that ended). */
  peek(p: number, key: string, time: number): EntityFigures | undefined {
    const st = this.get(p, key);
    if (!st) return undefined;
    advance(st, time, this.options.params);
    return figures(st, this.options.params);
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
    let k = 0;
    for (const ps of this.partitions.values()) for (const map of ps.maps) for (const st of map.values()) buckets[k++] = st.b;
    const sorted = buckets.subarray(0, k).sort();
    const cutoff = sorted[toEvict - 1];
    let older = 0;
    while (older < toEvict && sorted[older] < cutoff) older++;
    let atCutoff = toEvict - older;
    for (const ps of this.partitions.values()) {
      for (let t = 0; t < 4; t++) {
        for (const [value, st] of ps.maps[t]) {
          if (st.b > cutoff || (st.b === cutoff && atCutoff <= 0)) continue;
          if (st.b === cutoff) atCutoff--;
          ps.maps[t].delete(value);
          this.size--;
          if (st[DIRTY]) ps.evicted.set(entityKey(ENTITY_TYPES[t], value), st);
        }
      }
    }
  }

  /**
   * Checkpoint records of the given partitions (all owned when omitted): changed entities, then markers.
   * The values are the live states; serialise them before the next observe().
   */
  checkpoint(partitions?: number[]): CheckpointRecord[] {
    const out: CheckpointRecord[] = [];
    const markers: CheckpointRecord[] = [];
    for (const p of partitions ?? this.ownedPartitions()) {
      const ps = this.partitions.get(p);
      if (!ps) continue;
      for (const d of ps.dirty) {
        d.st[DIRTY] = false;
        out.push({ key: checkpointKey(p, entityKey(d.type, d.value)), value: d.st });
      }
      ps.dirty = [];
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

  /**
   * Takes over partitions from checkpoint records (the compacted topic read to its end, later records
   * winning). Returns the marker offset of each partition that has one.
   */
  restore(partitions: number[], records: Iterable<{ key: string; value: unknown }>): Map<number, number> {
    const wanted = new Set(partitions);
    const markers = new Map<number, number>();
    for (const p of partitions) {
      const old = this.partitions.get(p);
      if (old) this.size -= sizeOf(old);
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
      const map = ps.maps[INDEX[e.type]];
      if (!map.has(e.value)) this.size++;
      map.set(e.value, st);
    }
    if (this.size > this.options.maxEntities) this.evict();
    return markers;
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
      this.partitions.delete(p);
      this.lastPartition = -1;
    }
  }
}

const sizeOf = (ps: PartitionState): number => ps.maps[0].size + ps.maps[1].size + ps.maps[2].size + ps.maps[3].size;
