import type { Pool } from 'pg';
import { query } from '../db/pool';
import { SCORE_COLUMNS, type ScoreColumn } from '../write/rows';
import type { Position } from './cursor';

/** The read side: parameterised SQL for the query API (never string-built from input). */

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (v: string | number | null) => (v === null ? 0 : Number(v));

/** Collects $n parameters while a WHERE clause is built. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export interface EventFilters {
  source?: string;
  author?: string;
  keyword?: string;
  hashtag?: string;
  from?: number;
  to?: number;
  minScore?: number;
  scoreModel: string;
}

interface EventRowOut {
  id: string;
  occurred_at: Date;
  received_at: Date;
  source: string;
  kind: string;
  author_id: string;
  author_handle: string | null;
  author_followers: string | null;
  author_verified: boolean;
  producer: string | null;
  text: string | null;
  url: string | null;
  lang: string | null;
  parent_id: string | null;
  likes: string | null;
  shares: string | null;
  comments: string | null;
  views: string | null;
  hashtags: string[];
  keywords: string[];
  mentions: string[];
  cashtags: string[];
  urls: string[];
  attributes: Record<string, string>;
  enrichment: Record<string, unknown>;
  scores: Record<string, unknown>;
  enrichment_version: string;
  processing_version: string;
  scored_at: Date | null;
  updated_at: Date;
}

function eventOut(r: EventRowOut) {
  return {
    id: r.id,
    source: r.source,
    kind: r.kind,
    occurredAt: iso(r.occurred_at)!,
    receivedAt: iso(r.received_at)!,
    author: { id: r.author_id, handle: r.author_handle, followers: r.author_followers === null ? null : Number(r.author_followers), verified: r.author_verified },
    producer: r.producer,
    text: r.text,
    url: r.url,
    lang: r.lang,
    parentId: r.parent_id,
    engagement: r.likes === null ? null : { likes: num(r.likes), shares: num(r.shares), comments: num(r.comments), views: num(r.views) },
    hashtags: r.hashtags,
    keywords: r.keywords,
    mentions: r.mentions,
    cashtags: r.cashtags,
    urls: r.urls,
    attributes: r.attributes,
    enrichment: r.enrichment,
    scores: r.scores,
    enrichmentVersion: r.enrichment_version,
    processingVersion: r.processing_version,
    scoredAt: iso(r.scored_at),
    updatedAt: iso(r.updated_at)!,
  };
}
export type EventOut = ReturnType<typeof eventOut>;

export class QueryStore {
  constructor(private readonly pool: Pool) {}

  /** Newest first; keyset pagination on (occurred_at, id). Returns one page and the last position. */
  async events(f: EventFilters, limit: number, after: Position | null): Promise<{ items: EventOut[]; last: Position | null }> {
    const p = new Params();
    const where: string[] = [];
    if (f.source !== undefined) where.push(`source = ${p.add(f.source)}`);
    if (f.author !== undefined) where.push(`author_id = ${p.add(f.author)}`);
    if (f.keyword !== undefined) where.push(`keywords @> ARRAY[${p.add(f.keyword)}::text]`);
    if (f.hashtag !== undefined) where.push(`hashtags @> ARRAY[${p.add(f.hashtag)}::text]`);
    if (f.from !== undefined) where.push(`occurred_at >= ${p.add(new Date(f.from))}`);
    if (f.to !== undefined) where.push(`occurred_at < ${p.add(new Date(f.to))}`);
    if (f.minScore !== undefined) {
      // Column names come from the fixed list, never from input; other models are read from the jsonb.
      const column = (SCORE_COLUMNS as readonly string[]).includes(f.scoreModel) ? (f.scoreModel as ScoreColumn) : null;
      where.push(column ? `${column} >= ${p.add(f.minScore)}` : `(scores -> ${p.add(f.scoreModel)} ->> 'score')::float8 >= ${p.add(f.minScore)}`);
    }
    if (after) where.push(`(occurred_at, id) < (${p.add(new Date(after.t))}, ${p.add(after.k)})`);
    const { rows } = await query<EventRowOut>(
      this.pool,
      'query',
      `SELECT id, occurred_at, received_at, source, kind, author_id, author_handle, author_followers, author_verified,
         producer, text, url, lang, parent_id, likes, shares, comments, views, hashtags, keywords, mentions, cashtags, urls,
         attributes, enrichment, scores, enrichment_version, processing_version, scored_at, updated_at
       FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY occurred_at DESC, id DESC LIMIT ${p.add(limit + 1)}`,
      p.values,
    );
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page[page.length - 1] : null;
    return { items: page.map(eventOut), last: last ? { t: last.occurred_at.getTime(), k: last.id } : null };
  }

  async trends(o: { kind: string; interval: 'minute' | 'hour'; source?: string; from: number; to: number; limit: number }) {
    const p = new Params();
    const table = o.interval === 'minute' ? 'trend_minute' : 'trend_hour';
    const kind = p.add(o.kind);
    const from = p.add(new Date(o.from));
    const previousFrom = p.add(new Date(o.from - (o.to - o.from)));
    const to = p.add(new Date(o.to));
    const source = o.source !== undefined ? `AND source = ${p.add(o.source)}` : '';
    const limit = p.add(o.limit);
    const { rows } = await query<{ term: string; count: string; previous: string; series: Array<[number, number]> | null }>(
      this.pool,
      'query',
      `WITH w AS (
         SELECT term, bucket, sum(n)::bigint AS n FROM ${table}
         WHERE kind = ${kind} AND bucket >= ${previousFrom} AND bucket < ${to} AND n > 0 ${source}
         GROUP BY term, bucket
       ),
       top AS (
         SELECT term, sum(n) FILTER (WHERE bucket >= ${from}) AS count, coalesce(sum(n) FILTER (WHERE bucket < ${from}), 0) AS previous
         FROM w GROUP BY term HAVING sum(n) FILTER (WHERE bucket >= ${from}) > 0
         ORDER BY 2 DESC, term LIMIT ${limit}
       ),
       series AS (
         SELECT w.term, json_agg(json_build_array((extract(epoch FROM w.bucket) * 1000)::bigint, w.n) ORDER BY w.bucket) AS series
         FROM w JOIN top USING (term) WHERE w.bucket >= ${from} GROUP BY w.term
       )
       SELECT top.term, top.count, top.previous, series.series FROM top LEFT JOIN series USING (term)
       ORDER BY top.count DESC, top.term`,
      p.values,
    );
    return rows.map((r) => ({
      term: r.term,
      count: Number(r.count),
      previous: Number(r.previous),
      series: (r.series ?? []).map(([bucket, count]) => ({ bucket: new Date(Number(bucket)).toISOString(), count: Number(count) })),
    }));
  }

  async topAuthors(o: { source?: string; from: number; to: number; by: string; limit: number }) {
    const p = new Params();
    const from = p.add(new Date(o.from).toISOString().slice(0, 10));
    const to = p.add(new Date(o.to).toISOString().slice(0, 10));
    const source = o.source !== undefined ? `AND source = ${p.add(o.source)}` : '';
    const order = { engagement: 'engagement', events: 'events', likes: 'likes', shares: 'shares', comments: 'comments', views: 'views' }[o.by] ?? 'engagement';
    const { rows } = await query<Record<string, string>>(
      this.pool,
      'query',
      `SELECT source, author_id, max(handle) AS handle, sum(events) AS events, sum(likes) AS likes, sum(shares) AS shares,
         sum(comments) AS comments, sum(views) AS views, sum(likes + shares + comments) AS engagement
       FROM author_daily WHERE day >= ${from}::date AND day < ${to}::date ${source}
       GROUP BY source, author_id
       ORDER BY ${order} DESC, source, author_id LIMIT ${p.add(o.limit)}`,
      p.values,
    );
    return rows.map((r) => ({
      source: r.source,
      authorId: r.author_id,
      handle: r.handle,
      events: Number(r.events),
      likes: Number(r.likes),
      shares: Number(r.shares),
      comments: Number(r.comments),
      views: Number(r.views),
      engagement: Number(r.engagement),
    }));
  }

  async alerts(f: { rule?: string; severity?: string; minSeverityRank?: number; source?: string; from?: number; to?: number }, limit: number, after: Position | null) {
    const p = new Params();
    const where: string[] = [];
    if (f.rule !== undefined) where.push(`rule = ${p.add(f.rule)}`);
    if (f.severity !== undefined) where.push(`severity = ${p.add(f.severity)}`);
    if (f.minSeverityRank !== undefined) where.push(`severity_rank >= ${p.add(f.minSeverityRank)}`);
    if (f.source !== undefined) where.push(`source = ${p.add(f.source)}`);
    if (f.from !== undefined) where.push(`fired_at >= ${p.add(new Date(f.from))}`);
    if (f.to !== undefined) where.push(`fired_at < ${p.add(new Date(f.to))}`);
    if (after) where.push(`(fired_at, dedup_key) < (${p.add(new Date(after.t))}, ${p.add(after.k)})`);
    const { rows } = await query<Record<string, unknown>>(
      this.pool,
      'query',
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY fired_at DESC, dedup_key DESC LIMIT ${p.add(limit + 1)}`,
      p.values,
    );
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page[page.length - 1] : null;
    return {
      items: page.map((r) => ({
        id: r.id as string,
        dedupKey: r.dedup_key as string,
        rule: r.rule as string,
        ruleVersion: r.rule_version as string,
        severity: r.severity as string,
        title: r.title as string,
        source: r.source as string | null,
        entity: { type: r.entity_type as string, value: r.entity_value as string },
        evidence: {
          eventIds: r.event_ids as string[],
          windowStart: iso(r.window_start as Date)!,
          windowEnd: iso(r.window_end as Date)!,
          figures: r.figures as Record<string, number | null>,
        },
        models: r.models as string[],
        firedAt: iso(r.fired_at as Date)!,
      })),
      last: last ? { t: (last.fired_at as Date).getTime(), k: last.dedup_key as string } : null,
    };
  }

  async alertCounts(o: { rule?: string; from: number; to: number }) {
    const p = new Params();
    const rule = o.rule !== undefined ? `AND rule = ${p.add(o.rule)}` : '';
    const { rows } = await query<{ rule: string; severity: string; n: string }>(
      this.pool,
      'query',
      `SELECT rule, severity, sum(n) AS n FROM alert_counts_hour
       WHERE bucket >= ${p.add(new Date(o.from))} AND bucket < ${p.add(new Date(o.to))} AND n > 0 ${rule}
       GROUP BY rule, severity`,
      p.values,
    );
    const byRule = new Map<string, { rule: string; count: number; bySeverity: Record<string, number> }>();
    for (const r of rows) {
      const entry = byRule.get(r.rule) ?? { rule: r.rule, count: 0, bySeverity: {} };
      entry.count += Number(r.n);
      entry.bySeverity[r.severity] = Number(r.n);
      byRule.set(r.rule, entry);
    }
    return [...byRule.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
  }
}
