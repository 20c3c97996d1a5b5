import { DEFAULT_STREAM_PARAMS, figures, newEntityState, observe, streamVersions, type StreamParams } from './entity';
import { countZ, normalQuantileUpper, poissonUpperTail, poissonZ } from './stats';
import { StreamStore, checkpointKey, parseCheckpointKey, type CheckpointRecord } from './store';

const P: StreamParams = { ...DEFAULT_STREAM_PARAMS, warmupBuckets: 5 };
const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Feeds per-minute counts to one entity; returns the figures after each minute's last event. */
function feed(counts: number[], params = P) {
  const st = newEntityState(false);
  let offset = 0;
  return counts.map((c, m) => {
    for (let i = 0; i < c; i++) observe(st, T0 + m * MIN + i, offset++, params);
    return figures(st, params);
  });
}

describe('poisson statistics', () => {
  test('tail probabilities and normal quantiles match known values', () => {
    expect(poissonUpperTail(5, 0.5)).toBeCloseTo(0.000172, 5);
    expect(poissonUpperTail(8, 2)).toBeCloseTo(0.001097, 5);
    expect(normalQuantileUpper(0.05)).toBeCloseTo(1.6449, 3);
    expect(normalQuantileUpper(2.8665e-7)).toBeCloseTo(5, 2);
  });

  test('eight events against two expected is not a 4-sigma spike, fourteen is', () => {
    const sd = Math.sqrt(2);
    expect((8 - 2) / sd).toBeGreaterThan(4); // the plain z would alarm
    expect(countZ(8, 2, sd)).toBeLessThan(4);
    expect(countZ(14, 2, sd)).toBeGreaterThan(4);
    expect(poissonZ(100, 100)).toBe(0);
  });
});

describe('anomaly and trend of one entity', () => {
  test('a steady rate gives a baseline near the rate and z near 0; a spike gives a high z', () => {
    const steady = Array.from({ length: 60 }, (_, m) => 10 + ((m * 7) % 5) - 2); // 8..12 a minute
    const out = feed([...steady, 40]);
    const before = out[59];
    expect(before.warm).toBe(true);
    expect(before.expected).toBeGreaterThan(8);
    expect(before.expected).toBeLessThan(12);
    expect(Math.abs(before.z)).toBeLessThan(2);
    expect(out[60].count).toBe(40);
    expect(out[60].z).toBeGreaterThan(5);
  });

  test('no z-score during warm-up', () => {
    const out = feed([1, 1, 1, 50]);
    expect(out[3].warm).toBe(false);
    expect(out[3].z).toBe(0);
  });

  test('a spike is winsorised into the baseline, so the next spike still stands out', () => {
    const counts = [...Array<number>(40).fill(5), 60, 5, 5, 60];
    const out = feed(counts);
    expect(out[40].z).toBeGreaterThan(8);
    expect(out[43].z).toBeGreaterThan(8);
    expect(out[43].expected).toBeLessThan(8);
  });

  test('empty minutes between events close as zero buckets', () => {
    const st = newEntityState(false);
    for (let m = 0; m < 20; m++) for (let i = 0; i < 10; i++) observe(st, T0 + m * MIN, m * 10 + i, P);
    observe(st, T0 + 120 * MIN, 1000, P); // an hour and a half later
    const f = figures(st, P);
    expect(st.n).toBe(120);
    expect(f.expected).toBeLessThan(0.5);
  });

  test('an offset already applied is not counted again (replays after a restore)', () => {
    const st = newEntityState(false);
    expect(observe(st, T0, 7, P)).toBe(true);
    expect(observe(st, T0, 7, P)).toBe(false);
    expect(observe(st, T0, 3, P)).toBe(false);
    expect(st.c).toBe(1);
  });

  test('trend: a linear ramp has a velocity near its slope; an accelerating one has positive acceleration', () => {
    const ramp = feed(Array.from({ length: 30 }, (_, m) => 10 + 3 * m));
    // Velocity is measured on closed buckets: after minute 29 started, 28 ramp buckets are closed.
    expect(ramp[29].velocity).toBeGreaterThan(2.5);
    expect(ramp[29].velocity).toBeLessThan(3.5);
    const flat = feed(Array<number>(30).fill(10));
    expect(Math.abs(flat[29].velocity)).toBeLessThan(0.01);
    const accel = feed(Array.from({ length: 12 }, (_, m) => m * m));
    expect(accel[11].acceleration).toBeGreaterThan(0);
    expect(accel[11].velocity).toBeGreaterThan(flat[29].velocity);
  });

  test('model versions carry a parameter hash when the parameters are not the defaults', () => {
    expect(streamVersions(DEFAULT_STREAM_PARAMS)).toEqual({ anomaly: '1.0.0', trend: '1.0.0' });
    expect(streamVersions({ ...DEFAULT_STREAM_PARAMS, alpha: 0.2 }).anomaly).toMatch(/^1\.0\.0\+p[0-9a-f]{8}$/);
  });
});

describe('stream store checkpoints', () => {
  const opts = { params: P, seasonalTypes: new Set(['source' as const]), maxEntities: 1000 };

  function run(store: StreamStore, from: number, to: number): number[] {
    const z: number[] = [];
    for (let off = from; off < to; off++) {
      const minute = Math.floor(off / 10);
      const burst = minute === 25 ? 5 : 1;
      for (let b = 0; b < burst; b++) z.push(store.observe(off % 2, 'keyword', `w${off % 3}`, T0 + minute * MIN + b, off).z);
      store.observe(off % 2, 'source', 'twitter', T0 + minute * MIN, off);
    }
    return z;
  }

  test('restoring from checkpoint records continues exactly as if never interrupted', () => {
    const whole = new StreamStore(opts);
    const expected = run(whole, 0, 300);

    const first = new StreamStore(opts);
    const a = run(first, 0, 150);
    const records: CheckpointRecord[] = JSON.parse(JSON.stringify(first.checkpoint()));
    const second = new StreamStore(opts);
    const markers = second.restore([0, 1], records);
    expect(markers.get(0)).toBe(148);
    expect(markers.get(1)).toBe(149);
    const b = run(second, 150, 300);
    expect([...a, ...b]).toEqual(expected);
  });

  test('records replayed from before the checkpoint do not count twice', () => {
    const whole = new StreamStore(opts);
    run(whole, 0, 200);
    const store = new StreamStore(opts);
    run(store, 0, 120);
    const records = JSON.parse(JSON.stringify(store.checkpoint())) as CheckpointRecord[];
    const again = new StreamStore(opts);
    again.restore([0, 1], records);
    run(again, 100, 200); // a crash after offset 120 was checkpointed, redelivering from 100
    for (const key of ['k:w0', 'k:w1', 'k:w2', 's:twitter']) for (const p of [0, 1]) expect(again.get(p, key)).toEqual(whole.get(p, key));
  });

  test('only changed entities and a marker per partition are written; a partition filter restores only its own', () => {
    const store = new StreamStore(opts);
    run(store, 0, 20);
    const first = store.checkpoint();
    expect(first.filter((r) => parseCheckpointKey(r.key)?.entity === '@')).toHaveLength(2);
    expect(store.checkpoint()).toEqual([]);
    store.observe(0, 'keyword', 'new', T0 + 10 * MIN, 21);
    expect(store.checkpoint().map((r) => r.key)).toEqual([checkpointKey(0, 'k:new'), checkpointKey(0, '@')]);
    const other = new StreamStore(opts);
    other.restore([1], first);
    expect(other.ownedPartitions()).toEqual([1]);
    expect(other.get(1, 'k:w1')).toBeDefined();
    expect(other.get(0, 'k:w0')).toBeUndefined();
  });

  test('memory stays bounded: beyond maxEntities the least recently active entities are evicted', () => {
    const store = new StreamStore({ ...opts, maxEntities: 100 });
    for (let i = 0; i < 1000; i++) store.observe(0, 'keyword', `w${i}`, T0 + i * 1000, i);
    expect(store.entityCount()).toBeLessThanOrEqual(100);
    expect(store.get(0, 'k:w999')).toBeDefined();
    expect(store.get(0, 'k:w0')).toBeUndefined();
    // Evicted entities that changed are still checkpointed.
    const keys = store.checkpoint().map((r) => r.key);
    expect(keys).toContain(checkpointKey(0, 'k:w0'));
  });

  test('source entities keep an hour-of-day profile', () => {
    const store = new StreamStore(opts);
    store.observe(0, 'source', 'news', T0, 0);
    store.observe(0, 'keyword', 'news', T0, 0);
    expect(store.get(0, 's:news')!.s).toHaveLength(24);
    expect(store.get(0, 'k:news')!.s).toBeUndefined();
  });
});
