/**
 * The streaming models of one entity (a keyword, hashtag, author or source): event counts in per-minute
 * buckets of event time, an EWMA mean/variance baseline of the closed buckets (optionally with an
 * hour-of-day profile) that gives the anomaly z-score of the bucket in progress, and Holt's linear trend
 * over the same buckets that gives the trend velocity and acceleration.
 *
 * Everything is driven by event time, never the wall clock, so a replay of the same records in the same
 * order computes the same figures.
 */
import { createHash } from 'node:crypto';
import { countZ } from './stats';

export interface StreamParams {
  /** Bucket length (ms). */
  bucketMs: number;
  /** Weight of a closed bucket in the EWMA baseline. */
  alpha: number;
  /** Closed buckets an entity needs before its z-scores are reported (0 before). */
  warmupBuckets: number;
  /** Floor of the standard deviation (counts), so a flat baseline does not turn one event into a spike. */
  minStd: number;
  /** A closed bucket enters the baseline winsorised at expected + clampZ·sd, so a spike does not teach itself. */
  clampZ: number;
  /** Most empty buckets replayed into the baseline after a gap (the rest change nothing measurable). */
  maxGapBuckets: number;
  /** Weight of a closed bucket in the hour-of-day profile (entity types with seasonality only). */
  seasonAlpha: number;
  /** Holt's smoothing of the level and of the slope (trend). */
  trendAlpha: number;
  trendBeta: number;
}

export const DEFAULT_STREAM_PARAMS: StreamParams = {
  bucketMs: 60_000,
  alpha: 0.05,
  warmupBuckets: 10,
  minStd: 1,
  clampZ: 3,
  maxGapBuckets: 240,
  seasonAlpha: 0.05,
  trendAlpha: 0.5,
  trendBeta: 0.3,
};

export const ANOMALY_MODEL_VERSION = '1.0.0';
export const TREND_MODEL_VERSION = '1.0.0';

/** Model versions: the code version, plus a parameter hash when the parameters are not the defaults. */
export function streamVersions(params: StreamParams): { anomaly: string; trend: string } {
  const same = (Object.keys(DEFAULT_STREAM_PARAMS) as Array<keyof StreamParams>).every((k) => params[k] === DEFAULT_STREAM_PARAMS[k]);
  if (same) return { anomaly: ANOMALY_MODEL_VERSION, trend: TREND_MODEL_VERSION };
  const h = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 8);
  return { anomaly: `${ANOMALY_MODEL_VERSION}+p${h}`, trend: `${TREND_MODEL_VERSION}+p${h}` };
}

/** State of one entity; this is what is checkpointed (as JSON with these short names). */
export interface EntityState {
  /** Start of the bucket in progress (ms), -1 before the first event. */
  b: number;
  /** Events in the bucket in progress. */
  c: number;
  /** Baseline mean and variance (deseasonalised when s is present). */
  m: number;
  v: number;
  /** Closed buckets seen. */
  n: number;
  /** Holt level, slope, and the slope before the last bucket closed. */
  L: number;
  T: number;
  pT: number;
  /** Last input offset applied (replays of earlier offsets do not count twice). */
  o: number;
  /** Hour-of-day profile (24 multipliers), for entity types with seasonality. */
  s?: number[];
}

export function newEntityState(seasonal: boolean): EntityState {
  const st: EntityState = { b: -1, c: 0, m: 0, v: 0, n: 0, L: 0, T: 0, pT: 0, o: -1 };
  if (seasonal) st.s = new Array<number>(24).fill(1);
  return st;
}

const hourOf = (t: number): number => Math.floor(t / 3_600_000) % 24;

function seasonFactor(st: EntityState, bucket: number): number {
  return st.s ? Math.max(0.05, st.s[hourOf(bucket)]) : 1;
}

/** Expected count and standard deviation of a full bucket starting at `bucket`. */
export function baseline(st: EntityState, bucket: number, p: StreamParams): { expected: number; sd: number } {
  const f = seasonFactor(st, bucket);
  const expected = st.m * f;
  // Counts are at least Poisson-noisy: the variance is never taken below the mean.
  const sd = Math.max(p.minStd, Math.sqrt(Math.max(st.v * f * f, expected)));
  return { expected, sd };
}

function closeBucket(st: EntityState, x: number, bucket: number, p: StreamParams): void {
  const f = seasonFactor(st, bucket);
  let clipped = x;
  if (st.n >= p.warmupBuckets) {
    const expected = st.m * f;
    const sd = Math.max(p.minStd, Math.sqrt(Math.max(st.v * f * f, expected)));
    clipped = Math.min(x, expected + p.clampZ * sd);
  }
  const d = clipped / f;
  if (st.n === 0) {
    st.m = d;
    st.v = 0;
  } else {
    const diff = d - st.m;
    const incr = p.alpha * diff;
    st.m += incr;
    st.v = (1 - p.alpha) * (st.v + diff * incr);
  }
  if (st.s && st.m > 0.5) {
    const h = hourOf(bucket);
    st.s[h] += p.seasonAlpha * (clipped / st.m - st.s[h]);
  }
  // Holt's linear trend on the raw counts.
  if (st.n === 0) {
    st.L = x;
    st.T = 0;
    st.pT = 0;
  } else {
    const prevL = st.L;
    st.L = p.trendAlpha * x + (1 - p.trendAlpha) * (st.L + st.T);
    st.pT = st.T;
    st.T = p.trendBeta * (st.L - prevL) + (1 - p.trendBeta) * st.T;
  }
  st.n++;
}

export const bucketOf = (t: number, p: StreamParams): number => t - (((t % p.bucketMs) + p.bucketMs) % p.bucketMs);

/** Moves the entity to the bucket of time `t`, closing the bucket in progress and any empty ones between. */
export function advanceTo(st: EntityState, bucket: number, p: StreamParams): void {
  if (st.b < 0) {
    st.b = bucket;
    st.c = 0;
    return;
  }
  if (bucket <= st.b) return; // same bucket, or a late event: it counts in the bucket in progress
  closeBucket(st, st.c, st.b, p);
  const gaps = Math.min((bucket - st.b) / p.bucketMs - 1, p.maxGapBuckets);
  for (let i = 1; i <= gaps; i++) closeBucket(st, 0, st.b + i * p.bucketMs, p);
  st.b = bucket;
  st.c = 0;
}

export function advance(st: EntityState, t: number, p: StreamParams): void {
  advanceTo(st, bucketOf(t, p), p);
}

export interface EntityFigures {
  /** z-score of the bucket in progress against the baseline (0 while warming up). */
  z: number;
  count: number;
  expected: number;
  sd: number;
  bucket: number;
  /** Holt slope: change of the per-bucket count per bucket. */
  velocity: number;
  /** Change of the slope at the last closed bucket. */
  acceleration: number;
  level: number;
  warm: boolean;
}

export function figures(st: EntityState, p: StreamParams): EntityFigures {
  return figuresInto(st, p, { z: 0, count: 0, expected: 0, sd: 0, bucket: 0, velocity: 0, acceleration: 0, level: 0, warm: false });
}

/** figures() written into `out` (the score path reuses one object instead of allocating per entity). */
export function figuresInto(st: EntityState, p: StreamParams, out: EntityFigures): EntityFigures {
  const f = seasonFactor(st, st.b);
  const expected = st.m * f;
  const sd = Math.max(p.minStd, Math.sqrt(Math.max(st.v * f * f, expected)));
  const warm = st.n >= p.warmupBuckets;
  out.z = warm ? countZ(st.c, expected, sd) : 0;
  out.count = st.c;
  out.expected = expected;
  out.sd = sd;
  out.bucket = st.b;
  out.velocity = st.T;
  out.acceleration = st.T - st.pT;
  out.level = st.L;
  out.warm = warm;
  return out;
}

/**
 * Counts one event at time `t` from input offset `offset` (ignored when that offset was applied already).
 * `bucket` is bucketOf(t) when the caller has it (one event counts for several entities).
 */
export function observe(st: EntityState, t: number, offset: number, p: StreamParams, bucket = bucketOf(t, p)): boolean {
  if (offset >= 0 && offset <= st.o) return false;
  advanceTo(st, bucket, p);
  st.c++;
  if (offset >= 0) st.o = offset;
  return true;
}
