/** Just enough of the Prometheus text exposition format to read other stages' /metrics. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === ',' || text[i] === ' ') i++;
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const name = text.slice(i, eq).trim();
    i = eq + 1;
    if (text[i] !== '"') break;
    i++;
    let value = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else value += text[i++];
    }
    i++;
    labels[name] = value;
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ name: m[1], labels: m[2] ? parseLabels(m[2]) : {}, value: parseValue(m[3]) });
  }
  return out;
}

export interface Bucket {
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

/** Cumulative buckets of one histogram series, keyed by a label (e.g. stage), sorted by le. */
export function histogramBuckets(samples: Sample[], metric: string, by: string): Map<string, Bucket[]> {
  const out = new Map<string, Bucket[]>();
  for (const s of samples) {
    if (s.name !== `${metric}_bucket`) continue;
    const key = s.labels[by] ?? '';
    const le = parseValue(s.labels.le ?? '');
    if (Number.isNaN(le)) continue;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push({ le, count: s.value });
  }
  for (const list of out.values()) list.sort((a, b) => a.le - b.le);
  return out;
}

/** Buckets of the observations made between two scrapes (counter resets give the later scrape alone). */
export function bucketDelta(before: Bucket[] | undefined, after: Bucket[]): Bucket[] {
  if (!before) return after;
  const prior = new Map(before.map((b) => [b.le, b.count]));
  const delta = after.map((b) => ({ le: b.le, count: b.count - (prior.get(b.le) ?? 0) }));
  return delta.some((b) => b.count < 0) ? after : delta;
}

/** The q-quantile, interpolated within its bucket as Prometheus's histogram_quantile does (null when empty). */
export function histogramQuantile(q: number, buckets: Bucket[]): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket) : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Sum of a counter's samples per value of one label. */
export function sumBy(samples: Sample[], metric: string, by: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.name === metric) out.set(s.labels[by] ?? '', (out.get(s.labels[by] ?? '') ?? 0) + s.value);
  return out;
}
