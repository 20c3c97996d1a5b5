-- Sluice persistence schema, version 1.
-- Applied by src/db/migrate.ts inside one transaction holding an advisory lock; never edit a migration
-- after it has been applied anywhere (the runner refuses a changed checksum): add a new one instead.
-- Identifier-like text (ids, sources, terms, rules) is COLLATE "C": byte-wise comparison keeps index
-- maintenance cheap (a locale collation costs on every key comparison) and orders stably.

-- Scored events, partitioned by event time (one partition per UTC day, created ahead by
-- persist_ensure_event_partition and dropped after the retention period).
-- A unique constraint on a partitioned table must include the partition key, so the key is
-- (id, occurred_at): occurred_at is part of the immutable raw event, so an event id always maps to the
-- same key. Lookups by id alone use the primary key (id leads it).
CREATE TABLE events (
  id                  text        COLLATE "C" NOT NULL,
  occurred_at         timestamptz NOT NULL,
  received_at         timestamptz NOT NULL,
  source              text        COLLATE "C" NOT NULL,
  kind                text        COLLATE "C" NOT NULL,
  author_id           text        COLLATE "C" NOT NULL,
  author_handle       text,
  author_followers    bigint,
  author_verified     boolean     NOT NULL DEFAULT false,
  producer            text,
  text                text,
  url                 text,
  -- Detected language from enrich, else the producer's hint.
  lang                text,
  parent_id           text,
  likes               bigint,
  shares              bigint,
  comments            bigint,
  views               bigint,
  hashtags            text[]      COLLATE "C" NOT NULL DEFAULT '{}',
  keywords            text[]      COLLATE "C" NOT NULL DEFAULT '{}',
  mentions            text[]      NOT NULL DEFAULT '{}',
  cashtags            text[]      NOT NULL DEFAULT '{}',
  urls                text[]      NOT NULL DEFAULT '{}',
  attributes          jsonb       NOT NULL DEFAULT '{}',
  -- The rest of the enrichment (normalizedText, fingerprint, lookups, missing …).
  enrichment          jsonb       NOT NULL DEFAULT '{}',
  -- Main figure of the well-known models, for filtering and indexing; all scores are in `scores`.
  sentiment           double precision,
  spam                double precision,
  anomaly             double precision,
  trend               double precision,
  -- Every ModelScore by model name: {"sentiment": {"version", "label", "score", "details"}, …}.
  scores              jsonb       NOT NULL DEFAULT '{}',
  enrichment_version  text        NOT NULL DEFAULT '',
  processing_version  text        NOT NULL DEFAULT '',
  -- Natural-order sort keys of the versions (see src/write/rows.ts): derived fields only move forward.
  enrichment_order    text        COLLATE "C" NOT NULL DEFAULT '',
  processing_order    text        COLLATE "C" NOT NULL DEFAULT '',
  scored_at           timestamptz,
  -- Kafka position of the record the row was last written from.
  kafka_partition     integer     NOT NULL,
  kafka_offset        bigint      NOT NULL,
  -- Transaction that inserted the row: the write statement tells inserts from updates by it (xmax,
  -- the usual trick, cannot be read back from a partitioned table).
  inserted_xact       xid8        NOT NULL DEFAULT pg_current_xact_id(),
  inserted_at         timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX events_time_idx ON events (occurred_at DESC, id DESC);
CREATE INDEX events_source_time_idx ON events (source, occurred_at DESC, id DESC);
CREATE INDEX events_author_time_idx ON events (author_id, occurred_at DESC, id DESC);
CREATE INDEX events_hashtags_idx ON events USING gin (hashtags);
CREATE INDEX events_keywords_idx ON events USING gin (keywords);

-- Creates the partition of events for one UTC day if it does not exist. Serialised by an advisory
-- lock so concurrent instances do not race on the catalog.
CREATE FUNCTION persist_ensure_event_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  name text := format('events_p%s', to_char(day, 'YYYYMMDD'));
  lower_bound timestamptz := (day::timestamp AT TIME ZONE 'UTC');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('sluice.persist.partitions'));
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name, lower_bound, lower_bound + interval '1 day');
  END IF;
  RETURN name;
END;
$$;

-- Drops every day partition of events that ends at or before `horizon`; returns the dropped names.
CREATE FUNCTION persist_drop_event_partitions(horizon timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  part record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('sluice.persist.partitions'));
  FOR part IN
    SELECT c.relname
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{8}$'
      AND (to_date(substr(c.relname, 9), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day' <= horizon
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I', part.relname);
    RETURN NEXT part.relname;
  END LOOP;
END;
$$;

-- Alerts, one row per dedup key: replays and redeliveries never store an alert twice.
CREATE TABLE alerts (
  dedup_key       text        COLLATE "C" PRIMARY KEY,
  id              text        NOT NULL,
  rule            text        COLLATE "C" NOT NULL,
  rule_version    text        NOT NULL DEFAULT '',
  severity        text        COLLATE "C" NOT NULL,
  -- INFO 0 … CRITICAL 4, for ordering and minimum-severity filters.
  severity_rank   smallint    NOT NULL,
  title           text        NOT NULL,
  source          text        COLLATE "C",
  entity_type     text        NOT NULL,
  entity_value    text        NOT NULL,
  event_ids       text[]      NOT NULL DEFAULT '{}',
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  figures         jsonb       NOT NULL DEFAULT '{}',
  models          text[]      NOT NULL DEFAULT '{}',
  fired_at        timestamptz NOT NULL,
  -- Kafka position of the record the row was last written from: an alert is keyed by dedup key, so
  -- one key always lands in one partition, and a later offset is a later production (a replay).
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  inserted_xact   xid8        NOT NULL DEFAULT pg_current_xact_id(),
  inserted_at     timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_time_idx ON alerts (fired_at DESC, dedup_key DESC);
CREATE INDEX alerts_rule_time_idx ON alerts (rule, fired_at DESC, dedup_key DESC);

-- Where persist is in each input partition. Written in the same transaction as the rows, so after a
-- crash between the database commit and the Kafka commit the stage resumes exactly after the rows.
CREATE TABLE consumer_offsets (
  consumer_group text        COLLATE "C" NOT NULL,
  topic          text        COLLATE "C" NOT NULL,
  partition      integer     NOT NULL,
  next_offset    bigint      NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

-- Aggregates. Trend counters change by deltas: each batch appends its deltas, grouped, as one row of
-- parallel arrays to trend_pending (in the batch's own transaction, so exactly once); a compactor
-- folds pending rows into trend_minute about once a second and passes their hourly sums on through
-- trend_pending_hour, folded into trend_hour every few seconds. One row per batch instead of an
-- upsert per term per batch, and each counter is updated once per compaction rather than once per
-- batch it appears in: most of the write cost of trends goes away. kind is 'keyword' or
-- 'hashtag'; n counts events carrying the term. The counters are updated in place all the time:
-- free space in each page (fillfactor) lets those be HOT updates, and no index beyond the primary
-- key keeps them so. Readers scan a bucket range of the primary key.
CREATE TABLE trend_pending (
  id      bigserial     PRIMARY KEY,
  buckets timestamptz[] NOT NULL,
  sources text[]        COLLATE "C" NOT NULL,
  kinds   text[]        COLLATE "C" NOT NULL,
  terms   text[]        COLLATE "C" NOT NULL,
  deltas  bigint[]      NOT NULL
);

CREATE TABLE trend_pending_hour (
  id      bigserial     PRIMARY KEY,
  buckets timestamptz[] NOT NULL,
  sources text[]        COLLATE "C" NOT NULL,
  kinds   text[]        COLLATE "C" NOT NULL,
  terms   text[]        COLLATE "C" NOT NULL,
  deltas  bigint[]      NOT NULL
);

CREATE TABLE trend_minute (
  bucket timestamptz NOT NULL,
  source text        COLLATE "C" NOT NULL,
  kind   text        COLLATE "C" NOT NULL,
  term   text        COLLATE "C" NOT NULL,
  n      bigint      NOT NULL,
  PRIMARY KEY (bucket, source, kind, term)
) WITH (fillfactor = 70);

CREATE TABLE trend_hour (
  bucket timestamptz NOT NULL,
  source text        COLLATE "C" NOT NULL,
  kind   text        COLLATE "C" NOT NULL,
  term   text        COLLATE "C" NOT NULL,
  n      bigint      NOT NULL,
  PRIMARY KEY (bucket, source, kind, term)
) WITH (fillfactor = 70);

-- Engagement per author per source per UTC day (likes, shares, comments as captured with each event).
CREATE TABLE author_daily (
  day       date   NOT NULL,
  source    text   COLLATE "C" NOT NULL,
  author_id text   COLLATE "C" NOT NULL,
  handle    text,
  events    bigint NOT NULL,
  likes     bigint NOT NULL,
  shares    bigint NOT NULL,
  comments  bigint NOT NULL,
  views     bigint NOT NULL,
  PRIMARY KEY (day, source, author_id)
) WITH (fillfactor = 70);

CREATE TABLE alert_counts_hour (
  bucket   timestamptz NOT NULL,
  rule     text        COLLATE "C" NOT NULL,
  severity text        COLLATE "C" NOT NULL,
  n        bigint      NOT NULL,
  PRIMARY KEY (bucket, rule, severity)
) WITH (fillfactor = 70);
