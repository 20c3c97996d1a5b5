import { z } from 'zod';
import { SCORE_COLUMNS } from '../write/rows';

/**
 * Query parameters and response bodies of the query API, declared once: the same zod schemas validate
 * requests (with errors naming the parameter) and generate the OpenAPI document.
 */

const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

const text = (description: string, max = 256) =>
  z
    .string({ error: 'expected a text value' })
    .min(1, { error: 'expected a non-empty value' })
    .max(max, { error: `expected at most ${max} characters` })
    // PostgreSQL text cannot hold NUL: refuse it here as a 400 rather than fail in the database.
    .refine((s) => !s.includes('\u0000'), { error: 'expected text without NUL characters' })
    .describe(description);

const int = (description: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min, { error: `expected an integer from ${min} to ${max}` })
    .max(max, { error: `expected an integer from ${min} to ${max}` })
    .default(fallback)
    .describe(description);

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 (a missing zone means UTC) or epoch milliseconds; parsed to epoch milliseconds. */
export function parseTime(s: string): number | null {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  if (!ISO.test(s)) return null;
  const zoned = s.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : null;
}

const time = (description: string) =>
  z
    .string()
    .describe(`${description} ISO 8601 (2024-05-01T12:00:00Z; no zone means UTC) or epoch milliseconds.`)
    .transform((s, ctx) => {
      const ms = parseTime(s);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time such as 2024-05-01T12:00:00Z, or epoch milliseconds' });
        return z.NEVER;
      }
      return ms;
    });

const cursor = text('Opaque cursor from the previous page (nextCursor); only valid with the same filters.', 1024);

export const eventsQuery = z.strictObject({
  source: text('Source platform, lower case (twitter, news …).').optional(),
  author: text('Author id on the source platform.').optional(),
  keyword: text('A keyword the event carries, in the folded form enrich stores (lower case, no diacritics).').optional(),
  hashtag: text('A hashtag the event carries, without #, folded as enrich stores it.').optional(),
  from: time('Earliest event time (inclusive).').optional(),
  to: time('Latest event time (exclusive).').optional(),
  minScore: z.coerce
    .number({ error: 'expected a number' })
    .refine(Number.isFinite, { error: 'expected a finite number' })
    .describe("Only events whose scoreModel score is at least this (the model's main figure: a probability for spam, polarity in [-1, 1] for sentiment, a z-score for anomaly).")
    .optional(),
  scoreModel: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a model name (letters, digits, _ . -)' })
    .default('anomaly')
    .describe(`Model whose score minScore applies to: ${SCORE_COLUMNS.join(', ')} (own columns) or any other model name in the scores; combine with a time range on large tables, as scores are not indexed.`),
  limit: int('Events per page.', 1, 500, 50),
  cursor: cursor.optional(),
});

export const trendsQuery = z.strictObject({
  kind: z.enum(['keyword', 'hashtag'], { error: 'expected keyword or hashtag' }).default('keyword').describe('What to rank.'),
  interval: z.enum(['minute', 'hour'], { error: 'expected minute or hour' }).default('minute').describe('Bucket size of the series.'),
  source: text('Only this source; all sources together when absent.').optional(),
  from: time('Window start, rounded down to the interval. Default: 60 minutes (interval=minute) or 24 hours (interval=hour) before `to`.').optional(),
  to: time('Window end (exclusive), rounded up to the interval. Default: now.').optional(),
  limit: int('Number of terms.', 1, 100, 20),
});

export const authorsQuery = z.strictObject({
  source: text('Only this source; all sources when absent.').optional(),
  from: time('First day (UTC) counted, rounded down to the day. Default: 7 days before `to`.').optional(),
  to: time('End (exclusive) of the last day counted, rounded up to the day. Default: end of today (UTC).').optional(),
  by: z
    .enum(['engagement', 'events', 'likes', 'shares', 'comments', 'views'], { error: 'expected engagement, events, likes, shares, comments or views' })
    .default('engagement')
    .describe('Ranking figure; engagement = likes + shares + comments.'),
  limit: int('Number of authors.', 1, 100, 20),
});

export const alertsQuery = z.strictObject({
  rule: text('Rule id.').optional(),
  severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).optional().describe('Exactly this severity.'),
  minSeverity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).optional().describe('This severity or higher.'),
  source: text('Source platform the alert concerns.').optional(),
  from: time('Earliest firing time (inclusive).').optional(),
  to: time('Latest firing time (exclusive).').optional(),
  limit: int('Alerts per page.', 1, 500, 50),
  cursor: cursor.optional(),
});

export const alertCountsQuery = z.strictObject({
  rule: text('Only this rule.').optional(),
  from: time('Window start, rounded down to the hour. Default: 24 hours before `to`.').optional(),
  to: time('Window end (exclusive), rounded up to the hour. Default: now.').optional(),
});

// Response bodies (documentation: the server builds them, the OpenAPI document shows them; see COMPONENTS).
const iso = z.string().describe('ISO 8601 time, UTC.');
const modelScore = z.object({
  version: z.string(),
  label: z.string().nullable(),
  score: z.number().nullable(),
  details: z.record(z.string(), z.number().nullable()),
});

export const eventBody = z
  .object({
    id: z.string(),
    source: z.string(),
    kind: z.string(),
    occurredAt: iso,
    receivedAt: iso,
    author: z.object({ id: z.string(), handle: z.string().nullable(), followers: z.number().nullable(), verified: z.boolean() }),
    producer: z.string().nullable(),
    text: z.string().nullable(),
    url: z.string().nullable(),
    lang: z.string().nullable(),
    parentId: z.string().nullable(),
    engagement: z.object({ likes: z.number(), shares: z.number(), comments: z.number(), views: z.number() }).nullable(),
    hashtags: z.array(z.string()),
    keywords: z.array(z.string()),
    mentions: z.array(z.string()),
    cashtags: z.array(z.string()),
    urls: z.array(z.string()),
    attributes: z.record(z.string(), z.string()),
    enrichment: z.record(z.string(), z.unknown()).describe('normalizedText, language, fingerprint, exactDuplicate, lookups, missing, enrichedAt.'),
    scores: z.record(z.string(), modelScore).describe('Every model score by model name.'),
    enrichmentVersion: z.string(),
    processingVersion: z.string(),
    scoredAt: iso.nullable(),
    updatedAt: iso,
  });

export const eventsPage = z
  .object({ items: z.array(eventBody), nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.') });

export const trendsBody = z
  .object({
    kind: z.string(),
    interval: z.string(),
    source: z.string().nullable(),
    from: iso,
    to: iso,
    terms: z.array(
      z.object({
        term: z.string(),
        count: z.number().describe('Events carrying the term in the window.'),
        previous: z.number().describe('Events carrying it in the window of the same length just before.'),
        series: z.array(z.object({ bucket: iso, count: z.number() })),
      }),
    ),
  });

export const authorsBody = z
  .object({
    from: iso,
    to: iso,
    by: z.string(),
    authors: z.array(
      z.object({
        source: z.string(),
        authorId: z.string(),
        handle: z.string().nullable(),
        events: z.number(),
        likes: z.number(),
        shares: z.number(),
        comments: z.number(),
        views: z.number(),
        engagement: z.number(),
      }),
    ),
  });

export const alertBody = z
  .object({
    id: z.string(),
    dedupKey: z.string(),
    rule: z.string(),
    ruleVersion: z.string(),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    source: z.string().nullable(),
    entity: z.object({ type: z.string(), value: z.string() }),
    evidence: z.object({ eventIds: z.array(z.string()), windowStart: iso, windowEnd: iso, figures: z.record(z.string(), z.number().nullable()) }),
    models: z.array(z.string()),
    firedAt: iso,
  });

export const alertsPage = z.object({ items: z.array(alertBody), nextCursor: z.string().nullable() });

export const alertCountsBody = z
  .object({
    from: iso,
    to: iso,
    rules: z.array(z.object({ rule: z.string(), count: z.number(), bySeverity: z.record(z.string(), z.number()) })),
  });

export const errorBody = z
  .object({
    error: z.string().describe('invalid_request, unauthorized, forbidden, not_found, unavailable, internal.'),
    message: z.string(),
    problems: z.array(z.object({ parameter: z.string(), message: z.string() })).optional(),
  });

/** Named response schemas: the components of the OpenAPI document. */
export const COMPONENTS = {
  Event: eventBody,
  EventsPage: eventsPage,
  Trends: trendsBody,
  TopAuthors: authorsBody,
  Alert: alertBody,
  AlertsPage: alertsPage,
  AlertCounts: alertCountsBody,
  Error: errorBody,
};
