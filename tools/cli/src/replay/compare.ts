/** What a shadow replay changed against the original outputs: pure functions over decoded records. */
import type { Alert, EnrichedEvent, RawEvent, ScoredEvent, TopicKey } from '@sluice/contracts';

export interface FieldChange {
  /** Dotted path of the derived field (array elements keyed by model/enricher name: scores.sentiment.score). */
  path: string;
  before: unknown;
  after: unknown;
}

export interface RecordChange {
  /** Event id (or dedup key for alerts). */
  id: string;
  fields: FieldChange[];
}

export interface OutputComparison {
  topic: TopicKey;
  joinedBy: 'event id' | 'dedup key';
  original: number;
  shadow: number;
  unchanged: number;
  /** Records whose derived fields differ, with the fields. */
  changed: RecordChange[];
  /** How many records changed in each field. */
  fieldCounts: Record<string, number>;
  /** Present only in the shadow output (for alerts: alerts that would appear). */
  onlyInShadow: string[];
  /** Present only in the original output (for alerts: alerts that would disappear). */
  onlyInOriginal: string[];
  /** Version fields that moved (expected when the logic changed), with the values seen. */
  versionChanges: Record<string, { before: string[]; after: string[] }>;
}

/** Stamped at processing time: they differ on every run and say nothing about the logic. */
const VOLATILE = new Set(['enrichedAt', 'scoredAt', 'deadLetteredAt', 'issuedAt']);
/** Which logic produced a record: reported as version changes, not as derived-field changes. */
const VERSION = new Set(['version', 'processingVersion', 'ruleVersion', 'models']);
/** Element fields that identify array items (scores by model, missing enrichments by enricher). */
const ITEM_KEYS = ['model', 'enricher', 'name'];

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

function keyedArray(a: unknown[]): Plain | null {
  if (a.length === 0 || !a.every(isPlain)) return null;
  const key = ITEM_KEYS.find((k) => (a as Plain[]).every((x) => typeof x[k] === 'string'));
  if (!key) return null;
  const out: Plain = {};
  for (const x of a as Plain[]) out[x[key] as string] = x;
  return Object.keys(out).length === a.length ? out : null;
}

function same(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Field-by-field differences of two output values; version fields are returned apart. */
export function diffValues(before: unknown, after: unknown): { changes: FieldChange[]; versions: FieldChange[] } {
  const changes: FieldChange[] = [];
  const versions: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, path: string, leaf: string) => {
    if (VOLATILE.has(leaf)) return;
    if (VERSION.has(leaf)) {
      if (!same(a, b)) versions.push({ path, before: a, after: b });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const ka = keyedArray(a);
      const kb = keyedArray(b);
      if (ka && kb) return walk(ka, kb, path, leaf);
    }
    if (isPlain(a) && isPlain(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], path ? `${path}.${k}` : k, k);
      return;
    }
    if (!same(a, b)) changes.push({ path, before: a ?? null, after: b ?? null });
  };
  walk(before, after, '', '');
  return { changes, versions };
}

/** Compares two sets of outputs joined by id (event id, or dedup key for alerts). */
export function compareOutputs(topic: TopicKey, original: Map<string, unknown>, shadow: Map<string, unknown>): OutputComparison {
  const changed: RecordChange[] = [];
  const fieldCounts: Record<string, number> = {};
  const versionSeen = new Map<string, { before: Set<string>; after: Set<string> }>();
  let unchanged = 0;
  for (const [id, after] of shadow) {
    if (!original.has(id)) continue;
    const { changes, versions } = diffValues(original.get(id), after);
    for (const v of versions) {
      const seen = versionSeen.get(v.path) ?? { before: new Set(), after: new Set() };
      seen.before.add(JSON.stringify(v.before ?? null));
      seen.after.add(JSON.stringify(v.after ?? null));
      versionSeen.set(v.path, seen);
    }
    if (changes.length === 0) {
      unchanged++;
      continue;
    }
    changed.push({ id, fields: changes });
    for (const c of changes) fieldCounts[c.path] = (fieldCounts[c.path] ?? 0) + 1;
  }
  changed.sort((a, b) => a.id.localeCompare(b.id));
  const versionChanges: OutputComparison['versionChanges'] = {};
  for (const [path, seen] of versionSeen) versionChanges[path] = { before: [...seen.before].sort(), after: [...seen.after].sort() };
  return {
    topic,
    joinedBy: topic === 'alerts' ? 'dedup key' : 'event id',
    original: original.size,
    shadow: shadow.size,
    unchanged,
    changed,
    fieldCounts,
    onlyInShadow: [...shadow.keys()].filter((id) => !original.has(id)).sort(),
    onlyInOriginal: [...original.keys()].filter((id) => !shadow.has(id)).sort(),
    versionChanges,
  };
}

/** The id a record of a topic is joined by: its event id, or an alert's dedup key. */
export function joinKeyOf(topic: TopicKey, value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  switch (topic) {
    case 'raw':
      return (value as RawEvent).id;
    case 'enriched':
      return (value as EnrichedEvent).event?.id;
    case 'scored':
      return (value as ScoredEvent).enriched?.event?.id;
    case 'alerts':
      return (value as Alert).dedupKey;
    default:
      return undefined;
  }
}

/** Whether an original alert belongs to the replayed input range. */
export function alertInRange(alert: Alert, inputIds: Set<string>, from: number, to: number): boolean {
  const ids = alert.evidence?.eventIds ?? [];
  if (ids.length > 0) return ids.some((id) => inputIds.has(id));
  return alert.firedAt >= from && alert.firedAt < to;
}
