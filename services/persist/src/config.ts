import { env } from '@sluice/runtime';

/** Environment variables the persist service reads (besides the runtime's stage variables). */
export const persistConfig = {
  PORT: env.int(8082, 0, 65535),
  // The runtime's dual batch trigger, with persist's own defaults: a write is four round trips and a
  // few milliseconds of fixed cost whatever its size, so larger batches are cheaper per record, and
  // 100 ms of waiting keeps well inside a one-second commit latency.
  /** Most records per write transaction. */
  STAGE_BATCH_SIZE: env.int(2000, 1, 100_000),
  /** Longest a record waits for its batch to fill, since the first record of the batch arrived (ms). */
  STAGE_BATCH_WAIT_MS: env.int(100, 0, 60_000),
  /**
   * Records queued per input partition before it is paused (the runtime's default is 5000): a batch
   * takes its share from every partition, so a batch's worth per partition keeps batches full, and the
   * smaller live heap keeps the process's memory down (V8 lets garbage grow in proportion to it).
   */
  STAGE_MAX_IN_FLIGHT_PER_PARTITION: env.int(2000, 1, 1_000_000),
  DATABASE_URL: env.url('postgres://sluice:sluice@127.0.0.1:5432/sluice'),
  /** Apply pending migrations at startup (the `migrate` command does it on its own). */
  PERSIST_MIGRATE_ON_START: env.bool(true),
  /** Days of events (and hourly/daily aggregates, alerts) kept; older day partitions are dropped. */
  PERSIST_RETENTION_DAYS: env.int(30, 1, 3650),
  /** Day partitions created ahead of today. */
  PERSIST_PARTITIONS_AHEAD_DAYS: env.int(3, 0, 60),
  /** Hours of per-minute trend buckets kept. */
  PERSIST_MINUTE_TRENDS_RETENTION_HOURS: env.int(48, 1, 24 * 90),
  /** Interval of the maintenance sweep: partitions ahead, retention (ms). */
  PERSIST_MAINTENANCE_INTERVAL_MS: env.int(3_600_000, 1000, 86_400_000),
  /** Interval of folding pending trend deltas into the per-minute counters (ms): minute trends lag writes by about this. */
  PERSIST_TREND_COMPACTION_MS: env.int(1000, 50, 60_000),
  /** Interval of folding them on into the per-hour counters (ms): hour trends lag by about this more. */
  PERSIST_HOUR_TREND_COMPACTION_MS: env.int(10_000, 50, 600_000),
  /**
   * Transactions a large batch is split into, by input partition, written at the same time on their own
   * connections: PostgreSQL then works on a batch with several cores. 1 = one transaction per batch (the
   * default: where PostgreSQL shares two cores with Kafka and the other stages, two lanes measured slower).
   */
  PERSIST_WRITE_CONNECTIONS: env.int(1, 1, 16),
  /** Query API tokens: `name:token` pairs, comma-separated, as NOTIFY_TOKENS (the name shows in logs; bare tokens and the older token=name are read too). Unset: the query API answers 503. */
  PERSIST_API_TOKENS: env.optionalString(),
  /** Lifetime of cached aggregate query results (ms, 0 = no cache). */
  PERSIST_CACHE_TTL_MS: env.int(2000, 0, 600_000),
  PERSIST_CACHE_MAX_ENTRIES: env.int(1000, 1, 1_000_000),
  /** Connections of the query API (the writer has its own three). */
  PERSIST_QUERY_POOL_SIZE: env.int(5, 1, 100),
  /** Longest a query API statement may run (ms). */
  PERSIST_QUERY_TIMEOUT_MS: env.int(10_000, 100, 600_000),
};
