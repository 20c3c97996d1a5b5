import { z } from 'zod';
import { DEFAULT_EVENT_TIME_WINDOW, GROUPS, type GroupStage } from '@sluice/contracts';
import { commonConfig, env, loadConfig } from '@sluice/runtime';

const stages = Object.keys(GROUPS) as GroupStage[];

/** Every variable ingest reads, with its default. */
export const ingestConfig = {
  ...commonConfig,
  PORT: env.int(8080, 0, 65535),
  /** Comma-separated `producer:sha256hex` entries (the hex SHA-256 of each API key, never the key). */
  INGEST_API_KEYS: env.optionalString(),
  /** A file of `producer:sha256hex` lines, such as a mounted Kubernetes secret. */
  INGEST_API_KEYS_FILE: env.optionalString(),
  /** Token-bucket rate per API key, in events per second, and the burst it may send at once. */
  INGEST_RATE_PER_SEC: env.number(50_000, 0.001),
  INGEST_BURST: env.int(100_000, 1),
  INGEST_MAX_BATCH_EVENTS: env.int(1000, 1, 100_000),
  INGEST_MAX_BODY_BYTES: env.int(4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  /**
   * How old (0: any age) and how far in the future occurredAt may be, against the time ingest receives the
   * event. Keep them within enrich's ENRICH_MAX_AGE_MS and ENRICH_MAX_SKEW_MS (the same defaults), or enrich
   * dead-letters events ingest acknowledged; raise both together for a backfill.
   */
  INGEST_MAX_AGE_MS: env.int(DEFAULT_EVENT_TIME_WINDOW.maxAgeMs, 0),
  INGEST_MAX_SKEW_MS: env.int(DEFAULT_EVENT_TIME_WINDOW.maxSkewMs, 0),
  /** How long a request waits for Kafka to acknowledge its events before answering 503. */
  INGEST_KAFKA_TIMEOUT_MS: env.int(5000, 100, 300_000),
  /** Producer linger: small, so acknowledgements come back quickly; batching still happens under load. */
  INGEST_LINGER_MS: env.int(2, 0, 1000),
  /** Stages whose consumer-group lag sheds HTTP load. */
  INGEST_SHED_GROUPS: env
    .list('enrich,score,persist')
    .refine((v) => v.every((s) => (stages as string[]).includes(s)), `expected stage names among ${stages.join(', ')}`)
    .transform((v) => v as GroupStage[]),
  INGEST_SHED_MAX_LAG_RECORDS: env.int(1_000_000, 1),
  INGEST_SHED_MAX_LAG_SECONDS: env.number(300, 0.1),
  INGEST_SHED_RESUME_RATIO: env.number(0.8, 0.01, 1),
  INGEST_SHED_RETRY_AFTER_MAX_SECONDS: env.int(120, 1, 3600),
  /** How often consumer lag is sampled; 0 turns lag watching (and shedding) off. */
  INGEST_LAG_INTERVAL_MS: env.int(5000, 0, 600_000),
};

export type IngestConfig = z.infer<z.ZodObject<typeof ingestConfig>>;

/** Checks across variables that the per-variable spec cannot express. */
export function checkIngestConfig(config: IngestConfig): void {
  if (config.INGEST_BURST < config.INGEST_MAX_BATCH_EVENTS) {
    throw new Error(
      `INGEST_BURST=${config.INGEST_BURST} is below INGEST_MAX_BATCH_EVENTS=${config.INGEST_MAX_BATCH_EVENTS}: a full batch could never pass the rate limit; raise INGEST_BURST or lower the batch bound`,
    );
  }
}

/** Ingest's config from an env-like object: defaults filled in, bad variables named (tests pass overrides). */
export function ingestConfigFrom(vars: Record<string, string | undefined>): IngestConfig {
  const config = loadConfig(ingestConfig, vars as NodeJS.ProcessEnv);
  checkIngestConfig(config);
  return config;
}
