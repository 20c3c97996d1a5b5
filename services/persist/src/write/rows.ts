import type { Alert, Confirmation, ScoredEvent, Severity } from '@sluice/contracts';
import type { InRecord, Rejection } from '@sluice/runtime';
import { DAY_MS, dayOf } from '../db/partitions';

/**
 * Pure mapping from decoded records to the rows the write statement takes (no I/O), and the batch
 * bookkeeping around it: de-duplication, offsets to store, confirmations to publish.
 */

/** Models whose main figure gets its own column (filterable, indexable); every model is in `scores`. */
export const SCORE_COLUMNS = ['sentiment', 'spam', 'anomaly', 'trend'] as const;
export type ScoreColumn = (typeof SCORE_COLUMNS)[number];

export const SEVERITY_RANK: Record<Severity, number> = { INFO: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/**
 * Sort key giving versions their natural order under byte-wise comparison: every run of digits becomes
 * its length (two digits) followed by the digits without leading zeros, so 1.10 > 1.9 and
 * score-2 > score-10 is false. '' (no version) sorts first.
 */
export function versionOrder(version: string): string {
  return version.replace(/\d+/g, (run) => {
    const digits = run.replace(/^0+(?=\d)/, '');
    return String(Math.min(digits.length, 99)).padStart(2, '0') + digits;
  });
}

// PostgreSQL text and jsonb cannot hold U+0000 or lone surrogates: replace them rather than lose the event.
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/;
export function storable(s: string): string;
export function storable(s: string | null | undefined): string | null;
export function storable(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  if (!UNSTORABLE.test(s)) return s;
  return s.replace(/\u0000/g, '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function deepStorable(v: unknown): unknown {
  if (typeof v === 'string') return storable(v);
  if (Array.isArray(v)) return v.map(deepStorable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k), deepStorable(x)]));
  return v;
}

// JSON.stringify escapes U+0000 and lone surrogates (valid pairs stay raw), which jsonb refuses.
const JSON_UNSTORABLE = /\\u0000|\\ud[89a-f]/i;
/** jsonb text of a value (NaN and infinities become null, as JSON has no such numbers). */
export function jsonb(value: unknown): string {
  const text = JSON.stringify(value);
  return JSON_UNSTORABLE.test(text) ? JSON.stringify(deepStorable(value)) : text;
}

/** The list without repeats (enrich should not repeat, but a counter must not count one event twice). */
function distinct(list: string[] | undefined): string[] {
  if (!list || list.length === 0) return [];
  for (let i = 1; i < list.length; i++) if (list.lastIndexOf(list[i], i - 1) >= 0) return [...new Set(list)];
  return list;
}

const finite = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);
/** Counters go into bigint columns: anything but a safe integer is unknown. */
const count = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isSafeInteger(n) ? n : null);

// PostgreSQL timestamps reach far beyond this; the bound keeps dates meaningful and JSON-safe.
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
function timestampProblem(field: string, ms: unknown): string | null {
  if (typeof ms === 'number' && Number.isInteger(ms) && ms >= 0 && ms <= MAX_MS) return null;
  return `field "${field}": expected a timestamp in epoch milliseconds between 1970-01-01 and 9999-12-31, got ${JSON.stringify(ms)}`;
}

const orders = new Map<string, string>();
/** versionOrder, remembered: a batch carries a handful of distinct versions. */
function orderOf(version: string): string {
  let o = orders.get(version);
  if (o === undefined) {
    if (orders.size > 1000) orders.clear();
    o = versionOrder(version);
    orders.set(version, o);
  }
  return o;
}

/**
 * One events row, as it is COPYed into the staging table (column names). Text is as received: the
 * COPY encoding makes it storable. jsonb columns are JSON text already.
 */
export interface EventRow {
  id: string;
  occurred_ms: number;
  received_ms: number;
  source: string;
  kind: string;
  author_id: string;
  author_handle: string | null;
  author_followers: number | null;
  author_verified: boolean;
  producer: string | null;
  text: string | null;
  url: string | null;
  lang: string | null;
  parent_id: string | null;
  likes: number | null;
  shares: number | null;
  comments: number | null;
  views: number | null;
  hashtags: string[];
  keywords: string[];
  mentions: string[];
  cashtags: string[];
  urls: string[];
  attributes: string;
  enrichment: string;
  sentiment: number | null;
  spam: number | null;
  anomaly: number | null;
  trend: number | null;
  scores: string;
  enrichment_version: string;
  processing_version: string;
  enrichment_order: string;
  processing_order: string;
  scored_ms: number | null;
  kafka_partition: number;
  kafka_offset: number;
}

export function toEventRow(record: InRecord<ScoredEvent>): EventRow | { problem: string } {
  const { enriched, scores = [], processingVersion = '', scoredAt } = record.value;
  const e = enriched.event;
  const en = enriched.enrichment ?? {};
  const problem = timestampProblem('enriched.event.occurredAt', e.occurredAt) ?? timestampProblem('enriched.event.receivedAt', e.receivedAt);
  if (problem) return { problem };
  const byModel: Record<string, unknown> = {};
  let sentiment: number | null = null;
  let spam: number | null = null;
  let anomaly: number | null = null;
  let trend: number | null = null;
  for (const s of scores) {
    byModel[s.model] = { version: s.version, label: s.label ?? null, score: s.score, details: s.details ?? {} };
    if (s.model === 'sentiment') sentiment = finite(s.score);
    else if (s.model === 'spam') spam = finite(s.score);
    else if (s.model === 'anomaly') anomaly = finite(s.score);
    else if (s.model === 'trend') trend = finite(s.score);
  }
  const enrichmentVersion = en.version ?? '';
  const engagement = e.engagement ?? null;
  return {
    id: e.id,
    occurred_ms: e.occurredAt,
    received_ms: e.receivedAt,
    source: e.source,
    kind: e.kind,
    author_id: e.author.id,
    author_handle: e.author.handle ?? null,
    author_followers: count(e.author.followers),
    author_verified: e.author.verified ?? false,
    producer: e.producer ?? null,
    text: e.text ?? null,
    url: e.url ?? null,
    lang: en.language && en.language !== 'unknown' ? en.language : (e.lang ?? en.language ?? null),
    parent_id: e.parentId ?? null,
    likes: engagement ? count(engagement.likes ?? 0) : null,
    shares: engagement ? count(engagement.shares ?? 0) : null,
    comments: engagement ? count(engagement.comments ?? 0) : null,
    views: engagement ? count(engagement.views ?? 0) : null,
    hashtags: distinct(en.hashtags),
    keywords: distinct(en.keywords),
    mentions: distinct(en.mentions),
    cashtags: distinct(en.cashtags),
    urls: distinct(en.urls),
    attributes: jsonb(e.attributes ?? {}),
    enrichment: jsonb({
      normalizedText: en.normalizedText ?? null,
      language: en.language ?? null,
      exactDuplicate: en.exactDuplicate ?? false,
      fingerprint: en.fingerprint ?? null,
      lookups: en.lookups ?? {},
      missing: en.missing ?? [],
      enrichedAt: en.enrichedAt ?? null,
    }),
    sentiment,
    spam,
    anomaly,
    trend,
    scores: jsonb(byModel),
    enrichment_version: enrichmentVersion,
    processing_version: processingVersion,
    enrichment_order: orderOf(enrichmentVersion),
    processing_order: orderOf(processingVersion),
    scored_ms: scoredAt ? finite(scoredAt) : null,
    kafka_partition: record.partition,
    kafka_offset: record.offset,
  };
}

/** One alerts row, as the write statement's JSON input. */
export interface AlertRow {
  dedup_key: string;
  id: string;
  rule: string;
  rule_version: string;
  severity: Severity;
  severity_rank: number;
  title: string;
  source: string | null;
  entity_type: string;
  entity_value: string;
  event_ids: string[];
  window_start_ms: number;
  window_end_ms: number;
  figures: Record<string, unknown>;
  models: string[];
  fired_ms: number;
  kafka_partition: number;
  kafka_offset: number;
}

export function toAlertRow(record: InRecord<Alert>): AlertRow | { problem: string } {
  const a = record.value;
  const problem =
    timestampProblem('firedAt', a.firedAt) ?? timestampProblem('evidence.windowStart', a.evidence.windowStart) ?? timestampProblem('evidence.windowEnd', a.evidence.windowEnd);
  if (problem) return { problem };
  return {
    dedup_key: storable(a.dedupKey),
    id: storable(a.id),
    rule: storable(a.rule),
    rule_version: storable(a.ruleVersion ?? ''),
    severity: a.severity,
    severity_rank: SEVERITY_RANK[a.severity],
    title: storable(a.title),
    source: storable(a.source ?? null),
    entity_type: storable(a.entity.type),
    entity_value: storable(a.entity.value),
    event_ids: (a.evidence.eventIds ?? []).map((s) => storable(s)),
    window_start_ms: a.evidence.windowStart,
    window_end_ms: a.evidence.windowEnd,
    figures: Object.fromEntries(Object.entries(a.evidence.figures ?? {}).map(([k, v]) => [storable(k), finite(v)])),
    models: (a.models ?? []).map((s) => storable(s)),
    fired_ms: a.firedAt,
    kafka_partition: record.partition,
    kafka_offset: record.offset,
  };
}

export interface OffsetRow {
  topic: string;
  partition: number;
  next_offset: number;
}

export interface PreparedBatch {
  events: EventRow[];
  alerts: AlertRow[];
  /** Next offset to store per input partition (see prepareBatch). */
  offsets: OffsetRow[];
  /** UTC days (YYYY-MM-DD) the events fall on: each needs its partition. */
  days: Set<string>;
  /** Events older than the retention period: not stored. */
  expired: Array<{ id: string; producer: string | null }>;
  reject: Rejection[];
}

/** Whether `b` is a later derivation of the same event than `a` (processing, then enrichment version). */
function newer(a: EventRow, b: EventRow): boolean {
  if (b.processing_order !== a.processing_order) return b.processing_order > a.processing_order;
  if (b.enrichment_order !== a.enrichment_order) return b.enrichment_order > a.enrichment_order;
  return false;
}

/**
 * Maps a batch to rows. Within a batch an event or alert appears once (a single upsert cannot touch
 * one row twice): for events the newest version wins, for alerts the latest offset.
 *
 * The stored offset of a partition is one past its last record, except that it stops at the first
 * rejected record: dead letters are produced after the transaction commits, so if the process dies
 * in between, the rejected record is read (and dead-lettered) again instead of being skipped.
 */
export function prepareBatch(batch: InRecord<unknown>[], retentionStartMs: number): PreparedBatch {
  const events = new Map<string, EventRow>();
  const alerts = new Map<string, AlertRow>();
  const expired: PreparedBatch['expired'] = [];
  const reject: Rejection[] = [];
  const next = new Map<string, OffsetRow>();
  const firstRejected = new Map<string, number>();
  const dayNumbers = new Set<number>();
  for (const r of batch) {
    const tp = `${r.topic}:${r.partition}`;
    const o = next.get(tp);
    if (!o) next.set(tp, { topic: r.topic, partition: r.partition, next_offset: r.offset + 1 });
    else o.next_offset = Math.max(o.next_offset, r.offset + 1);
    let problem: string | null = null;
    if (r.topicKey === 'scored') {
      const row = toEventRow(r as InRecord<ScoredEvent>);
      if ('problem' in row) problem = row.problem;
      else if (row.occurred_ms < retentionStartMs) expired.push({ id: row.id, producer: row.producer });
      else {
        const key = `${row.id}\u0000${row.occurred_ms}`;
        const prior = events.get(key);
        if (!prior || newer(prior, row)) events.set(key, row);
        dayNumbers.add(Math.floor(row.occurred_ms / DAY_MS));
      }
    } else if (r.topicKey === 'alerts') {
      const row = toAlertRow(r as InRecord<Alert>);
      if ('problem' in row) problem = row.problem;
      else {
        const prior = alerts.get(row.dedup_key);
        if (!prior || row.kafka_offset >= prior.kafka_offset) alerts.set(row.dedup_key, row);
      }
    } else {
      problem = `persist does not read topic ${r.topic} (${r.topicKey}); expected the scored or alerts topic`;
    }
    if (problem) {
      reject.push({ record: r, reason: problem, errorType: 'validation' });
      firstRejected.set(tp, Math.min(firstRejected.get(tp) ?? Infinity, r.offset));
    }
  }
  for (const [tp, offset] of firstRejected) next.get(tp)!.next_offset = offset;
  const days = new Set([...dayNumbers].map((d) => dayOf(d * DAY_MS)));
  return { events: [...events.values()], alerts: [...alerts.values()], offsets: [...next.values()], days, expired, reject };
}

/** Largest number of event ids in one confirmation record. */
export const CONFIRMATION_IDS_MAX = 2000;

/** Confirmations of a committed batch: one record (or more, for many ids) per producer and outcome. */
export function confirmations(
  stored: Array<{ id: string; producer: string | null }>,
  expired: Array<{ id: string; producer: string | null }>,
  committedAt: number,
): Confirmation[] {
  const out: Confirmation[] = [];
  const group = (items: Array<{ id: string; producer: string | null }>, stage: string) => {
    const byProducer = new Map<string | null, string[]>();
    for (const it of items) {
      const ids = byProducer.get(it.producer) ?? [];
      ids.push(it.id);
      byProducer.set(it.producer, ids);
    }
    for (const [producer, ids] of byProducer) {
      for (let i = 0; i < ids.length; i += CONFIRMATION_IDS_MAX) {
        out.push({ producer, eventIds: ids.slice(i, i + CONFIRMATION_IDS_MAX), stage, committedAt });
      }
    }
  };
  group(stored, 'persisted');
  group(expired, 'expired');
  return out;
}
