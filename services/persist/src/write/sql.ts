import { copySerializer, type CopyType } from './copy';
import type { EventRow } from './rows';

/**
 * Columns of the per-connection staging table events are COPYed into, in COPY order. COPY is the
 * cheapest way into PostgreSQL (about a third of the server CPU of parsing the same rows from JSON).
 */
export const EVENT_INPUT_COLUMNS: ReadonlyArray<readonly [keyof EventRow, CopyType]> = [
  ['id', 'text'], ['occurred_ms', 'bigint'], ['received_ms', 'bigint'], ['source', 'text'], ['kind', 'text'],
  ['author_id', 'text'], ['author_handle', 'text'], ['author_followers', 'bigint'], ['author_verified', 'boolean'],
  ['producer', 'text'], ['text', 'text'], ['url', 'text'], ['lang', 'text'], ['parent_id', 'text'], ['likes', 'bigint'],
  ['shares', 'bigint'], ['comments', 'bigint'], ['views', 'bigint'], ['hashtags', 'text[]'], ['keywords', 'text[]'],
  ['mentions', 'text[]'], ['cashtags', 'text[]'], ['urls', 'text[]'], ['attributes', 'jsonb'], ['enrichment', 'jsonb'],
  ['sentiment', 'float8'], ['spam', 'float8'], ['anomaly', 'float8'], ['trend', 'float8'], ['scores', 'jsonb'],
  ['enrichment_version', 'text'], ['processing_version', 'text'], ['enrichment_order', 'text'], ['processing_order', 'text'],
  ['scored_ms', 'bigint'], ['kafka_partition', 'integer'], ['kafka_offset', 'bigint'],
];

/** Temporary, so private to the connection; emptied by every commit or rollback. */
export const STAGING_TABLE = 'persist_events_in';
export const CREATE_STAGING_SQL = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING_TABLE} (${EVENT_INPUT_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')}) ON COMMIT DELETE ROWS`;
export const COPY_EVENTS_SQL = `COPY ${STAGING_TABLE} (${EVENT_INPUT_COLUMNS.map(([c]) => c).join(', ')}) FROM STDIN`;
/** Events as COPY text, in EVENT_INPUT_COLUMNS order. */
export const eventsCopyText = copySerializer(EVENT_INPUT_COLUMNS);

/**
 * The statement that writes a batch, once its events are in the staging table (same transaction):
 * events, alerts, every aggregate and the consumed offsets, whatever the batch size.
 *
 * Parameters: $1 alerts (JSON array of AlertRow; few, so JSON is cheap enough),
 * $2 offsets (JSON array of OffsetRow), $3 consumer group.
 *
 * How it stays effectively once:
 * - events upsert on (id, occurred_at) and only move forward: a conflicting row is updated only when
 *   the incoming (processing, enrichment) version order is greater; equal or older is a no-op.
 * - alerts upsert on dedup_key; a conflicting row is updated only by a later offset of the same
 *   partition (a replay produced it after the original).
 * - inserts are told from updates by the row's inserted_xact (the current transaction's id on insert).
 * - aggregates change by deltas computed from what the upserts actually did: +1 for each term of an
 *   inserted or updated row, -1 for each term of the row version an update replaced. A redelivery
 *   changes nothing, so it counts nothing. The replaced versions are read in the same statement: all
 *   parts of a statement see the snapshot from before it, so `*_old` sees the rows as they were.
 *   Trend deltas go to trend_pending (COMPACT_MINUTE_TRENDS_SQL folds them into the counters);
 *   author and alert counters are updated here.
 * - offsets never move backwards (a zombie instance finishing an old batch cannot rewind them).
 *
 * Buckets are computed with date_bin from the epoch (UTC by construction, and several times cheaper
 * than date_trunc with a time zone). Aggregate rows are written in primary-key order so concurrent
 * instances lock them in the same order (no deadlocks between instances).
 */
export const WRITE_BATCH_SQL = `
WITH ev_in AS (
  SELECT x.*, timestamptz 'epoch' + x.occurred_ms * interval '1 millisecond' AS occurred_at FROM ${STAGING_TABLE} x
),
ev AS (
  INSERT INTO events AS e (
    id, occurred_at, received_at, source, kind, author_id, author_handle, author_followers, author_verified, producer,
    text, url, lang, parent_id, likes, shares, comments, views, hashtags, keywords, mentions, cashtags, urls,
    attributes, enrichment, sentiment, spam, anomaly, trend, scores, enrichment_version, processing_version,
    enrichment_order, processing_order, scored_at, kafka_partition, kafka_offset)
  SELECT
    id, occurred_at, timestamptz 'epoch' + received_ms * interval '1 millisecond', source, kind, author_id, author_handle,
    author_followers, author_verified, producer, text, url, lang, parent_id, likes, shares, comments, views, hashtags,
    keywords, mentions, cashtags, urls, attributes, enrichment, sentiment, spam, anomaly, trend, scores,
    enrichment_version, processing_version, enrichment_order, processing_order,
    timestamptz 'epoch' + scored_ms * interval '1 millisecond', kafka_partition, kafka_offset
  FROM ev_in
  ORDER BY id COLLATE "C", occurred_at
  ON CONFLICT (id, occurred_at) DO UPDATE SET
    received_at = excluded.received_at, source = excluded.source, kind = excluded.kind, author_id = excluded.author_id,
    author_handle = excluded.author_handle, author_followers = excluded.author_followers,
    author_verified = excluded.author_verified, producer = excluded.producer, text = excluded.text, url = excluded.url,
    lang = excluded.lang, parent_id = excluded.parent_id, likes = excluded.likes, shares = excluded.shares,
    comments = excluded.comments, views = excluded.views, hashtags = excluded.hashtags, keywords = excluded.keywords,
    mentions = excluded.mentions, cashtags = excluded.cashtags, urls = excluded.urls, attributes = excluded.attributes,
    enrichment = excluded.enrichment, sentiment = excluded.sentiment, spam = excluded.spam, anomaly = excluded.anomaly,
    trend = excluded.trend, scores = excluded.scores, enrichment_version = excluded.enrichment_version,
    processing_version = excluded.processing_version, enrichment_order = excluded.enrichment_order,
    processing_order = excluded.processing_order, scored_at = excluded.scored_at,
    kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset, updated_at = now()
  WHERE (e.processing_order, e.enrichment_order) < (excluded.processing_order, excluded.enrichment_order)
  RETURNING e.id, e.occurred_at, e.source, e.author_id, e.author_handle, e.likes, e.shares, e.comments, e.views,
    e.hashtags, e.keywords, e.inserted_xact = pg_current_xact_id() AS inserted
),
ev_old AS (
  -- OFFSET 0 keeps this a per-row index lookup, done only for updated rows.
  SELECT o.* FROM ev u CROSS JOIN LATERAL (
    SELECT p.source, p.occurred_at, p.hashtags, p.keywords FROM events p
    WHERE p.id = u.id AND p.occurred_at = u.occurred_at OFFSET 0) o
  WHERE NOT u.inserted
),
term_delta AS (
  -- Grouped per batch: fewer elements for the compactor to fold.
  SELECT date_bin('1 minute', occurred_at, timestamptz 'epoch') AS bucket, source, kind, term, sum(n)::bigint AS n
  FROM (
    SELECT source, occurred_at, 'hashtag' AS kind, t AS term, 1 AS n FROM ev, unnest(ev.hashtags) AS t
    UNION ALL SELECT source, occurred_at, 'keyword', t, 1 FROM ev, unnest(ev.keywords) AS t
    UNION ALL SELECT source, occurred_at, 'hashtag', t, -1 FROM ev_old, unnest(ev_old.hashtags) AS t
    UNION ALL SELECT source, occurred_at, 'keyword', t, -1 FROM ev_old, unnest(ev_old.keywords) AS t
  ) d
  GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
),
trend_pending_w AS (
  INSERT INTO trend_pending (buckets, sources, kinds, terms, deltas)
  SELECT array_agg(bucket), array_agg(source), array_agg(kind), array_agg(term), array_agg(n) FROM term_delta
  HAVING count(*) > 0
  RETURNING 1
),
author_w AS (
  -- Engagement is part of the raw event, which a replay never changes: count it on insert only.
  INSERT INTO author_daily AS a (day, source, author_id, handle, events, likes, shares, comments, views)
  SELECT (day AT TIME ZONE 'UTC')::date, source, author_id, handle, events, likes, shares, comments, views
  FROM (
    SELECT date_bin('1 day', occurred_at, timestamptz 'epoch') AS day, source, author_id, max(author_handle) AS handle,
      count(*) AS events, coalesce(sum(likes), 0) AS likes, coalesce(sum(shares), 0) AS shares,
      coalesce(sum(comments), 0) AS comments, coalesce(sum(views), 0) AS views
    FROM ev WHERE inserted GROUP BY 1, 2, 3
  ) a
  ORDER BY 1, 2, 3
  ON CONFLICT (day, source, author_id) DO UPDATE SET
    handle = coalesce(excluded.handle, a.handle), events = a.events + excluded.events, likes = a.likes + excluded.likes,
    shares = a.shares + excluded.shares, comments = a.comments + excluded.comments, views = a.views + excluded.views
  RETURNING 1
),
al_in AS (
  SELECT x.* FROM json_to_recordset($1::json) AS x(
    dedup_key text, id text, rule text, rule_version text, severity text, severity_rank smallint, title text,
    source text, entity_type text, entity_value text, event_ids text[], window_start_ms bigint, window_end_ms bigint,
    figures jsonb, models text[], fired_ms bigint, kafka_partition integer, kafka_offset bigint)
),
al AS (
  INSERT INTO alerts AS a (
    dedup_key, id, rule, rule_version, severity, severity_rank, title, source, entity_type, entity_value, event_ids,
    window_start, window_end, figures, models, fired_at, kafka_partition, kafka_offset)
  SELECT dedup_key, id, rule, rule_version, severity, severity_rank, title, source, entity_type, entity_value, event_ids,
    timestamptz 'epoch' + window_start_ms * interval '1 millisecond',
    timestamptz 'epoch' + window_end_ms * interval '1 millisecond', figures, models,
    timestamptz 'epoch' + fired_ms * interval '1 millisecond', kafka_partition, kafka_offset
  FROM al_in ORDER BY dedup_key COLLATE "C"
  ON CONFLICT (dedup_key) DO UPDATE SET
    id = excluded.id, rule = excluded.rule, rule_version = excluded.rule_version, severity = excluded.severity,
    severity_rank = excluded.severity_rank, title = excluded.title, source = excluded.source,
    entity_type = excluded.entity_type, entity_value = excluded.entity_value, event_ids = excluded.event_ids,
    window_start = excluded.window_start, window_end = excluded.window_end, figures = excluded.figures,
    models = excluded.models, fired_at = excluded.fired_at, kafka_partition = excluded.kafka_partition,
    kafka_offset = excluded.kafka_offset, updated_at = now()
  WHERE excluded.kafka_partition = a.kafka_partition AND excluded.kafka_offset > a.kafka_offset
  RETURNING a.dedup_key, a.rule, a.severity, a.fired_at, a.inserted_xact = pg_current_xact_id() AS inserted
),
al_old AS (
  SELECT o.* FROM al u CROSS JOIN LATERAL (
    SELECT p.rule, p.severity, p.fired_at FROM alerts p WHERE p.dedup_key = u.dedup_key OFFSET 0) o
  WHERE NOT u.inserted
),
alert_counts_w AS (
  INSERT INTO alert_counts_hour AS c (bucket, rule, severity, n)
  SELECT date_bin('1 hour', fired_at, timestamptz 'epoch'), rule, severity, sum(n)
  FROM (SELECT rule, severity, fired_at, 1 AS n FROM al UNION ALL SELECT rule, severity, fired_at, -1 FROM al_old) d
  GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, rule, severity) DO UPDATE SET n = greatest(0, c.n + excluded.n)
  RETURNING 1
),
offsets_w AS (
  INSERT INTO consumer_offsets AS o (consumer_group, topic, partition, next_offset, updated_at)
  SELECT $3, x.topic, x.partition, x.next_offset, now()
  FROM json_to_recordset($2::json) AS x(topic text, partition integer, next_offset bigint)
  ORDER BY 2, 3
  ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
    next_offset = greatest(o.next_offset, excluded.next_offset), updated_at = now()
  RETURNING 1
)
SELECT
  (SELECT count(*) FROM ev WHERE inserted)::int AS events_inserted,
  (SELECT count(*) FROM ev WHERE NOT inserted)::int AS events_updated,
  (SELECT count(*) FROM al WHERE inserted)::int AS alerts_inserted,
  (SELECT count(*) FROM al WHERE NOT inserted)::int AS alerts_updated,
  (SELECT count(*) FROM trend_pending_w)::int AS trends_pending,
  ARRAY(SELECT DISTINCT source FROM ev) AS sources_changed
`;

/**
 * Folds pending trend deltas into trend_minute, oldest first, at most $1 batches' worth per run, in
 * one statement (one transaction): the deltas are deleted exactly when they are counted. Their sums
 * per hour go on, as one row, to trend_pending_hour, folded less often (COMPACT_HOUR_TRENDS_SQL):
 * over a longer interval more of the same counters repeat, so each is updated fewer times.
 * Only one instance compacts at a time (the others find the advisory lock taken and do nothing).
 * A negative delta only meets a missing counter when retention already removed its bucket; the sweep
 * removes such rows again and readers count only n > 0.
 */
export const COMPACT_MINUTE_TRENDS_SQL = `
WITH p AS (
  DELETE FROM trend_pending
  WHERE id IN (SELECT id FROM trend_pending ORDER BY id LIMIT $1) AND pg_try_advisory_xact_lock(hashtext('sluice.persist.trends.minute'))
  RETURNING buckets, sources, kinds, terms, deltas
),
d AS (
  SELECT u.bucket, u.source, u.kind, u.term, sum(u.n)::bigint AS n
  FROM p, unnest(p.buckets, p.sources, p.kinds, p.terms, p.deltas) AS u(bucket, source, kind, term, n)
  GROUP BY 1, 2, 3, 4 HAVING sum(u.n) <> 0
),
minute_w AS (
  INSERT INTO trend_minute AS t (bucket, source, kind, term, n)
  SELECT bucket, source, kind, term, n FROM d ORDER BY 1, 2, 3, 4
  ON CONFLICT (bucket, source, kind, term) DO UPDATE SET n = greatest(0, t.n + excluded.n)
  RETURNING 1
),
hour_pending_w AS (
  INSERT INTO trend_pending_hour (buckets, sources, kinds, terms, deltas)
  SELECT array_agg(bucket), array_agg(source), array_agg(kind), array_agg(term), array_agg(n)
  FROM (
    SELECT date_bin('1 hour', bucket, timestamptz 'epoch') AS bucket, source, kind, term, sum(n)::bigint AS n
    FROM d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
  ) h
  HAVING count(*) > 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM p)::int AS batches, ARRAY(SELECT DISTINCT source FROM d) AS sources
`;

/** Folds pending hourly trend deltas into trend_hour, like COMPACT_MINUTE_TRENDS_SQL. */
export const COMPACT_HOUR_TRENDS_SQL = `
WITH p AS (
  DELETE FROM trend_pending_hour
  WHERE id IN (SELECT id FROM trend_pending_hour ORDER BY id LIMIT $1) AND pg_try_advisory_xact_lock(hashtext('sluice.persist.trends.hour'))
  RETURNING buckets, sources, kinds, terms, deltas
),
d AS (
  SELECT u.bucket, u.source, u.kind, u.term, sum(u.n)::bigint AS n
  FROM p, unnest(p.buckets, p.sources, p.kinds, p.terms, p.deltas) AS u(bucket, source, kind, term, n)
  GROUP BY 1, 2, 3, 4 HAVING sum(u.n) <> 0
),
hour_w AS (
  INSERT INTO trend_hour AS t (bucket, source, kind, term, n)
  SELECT bucket, source, kind, term, n FROM d ORDER BY 1, 2, 3, 4
  ON CONFLICT (bucket, source, kind, term) DO UPDATE SET n = greatest(0, t.n + excluded.n)
  RETURNING 1
)
SELECT (SELECT count(*) FROM p)::int AS batches, ARRAY(SELECT DISTINCT source FROM d) AS sources
`;
