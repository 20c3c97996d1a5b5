import { z } from 'zod';
import { env } from '@sluice/runtime';
import { DEFAULT_EVENT_TIME_WINDOW } from '@sluice/contracts';
import { DEFAULT_RESILIENCE, type ResilienceOptions } from './lookups';
import type { ValidationLimits } from './validate';

/** Environment variables of the enrich service, with their defaults (startup fails naming a bad one). */
export const enrichConfigSpec = {
  /** Ops HTTP server (/metrics, /healthz, /readyz). */
  PORT: env.int(9101, 0, 65535),
  /** occurredAt may be at most this much older than the record's Kafka timestamp. */
  ENRICH_MAX_AGE_MS: env.int(DEFAULT_EVENT_TIME_WINDOW.maxAgeMs, 1),
  /** occurredAt/receivedAt may be at most this far ahead of the record's Kafka timestamp. */
  ENRICH_MAX_SKEW_MS: env.int(DEFAULT_EVENT_TIME_WINDOW.maxSkewMs, 0),
  ENRICH_MAX_TEXT_CHARS: env.int(50_000, 1, 10_000_000),
  ENRICH_MAX_KEYWORDS: env.int(50, 0, 1000),
  /** Same id or same normalised content within this much event time is an exact duplicate. */
  ENRICH_DUP_WINDOW_MS: env.int(3_600_000, 1),
  /** Keys the duplicate window remembers at most (two per event: id and content). */
  ENRICH_DUP_MAX_ENTRIES: env.int(400_000, 1, 50_000_000),
  /** Link metrics service, called as GET <url>?url=<canonical url>; unset = no link metrics. */
  ENRICH_LINK_METRICS_URL: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).optional(),
  ENRICH_LOOKUP_TIMEOUT_MS: env.int(DEFAULT_RESILIENCE.timeoutMs, 1, 60_000),
  ENRICH_LOOKUP_RETRIES: env.int(DEFAULT_RESILIENCE.maxRetries, 0, 10),
  ENRICH_LOOKUP_RETRY_RATIO: env.number(DEFAULT_RESILIENCE.retryRatio, 0, 10),
  ENRICH_LOOKUP_CONCURRENCY: env.int(32, 1, 1024),
  /** No lookup of a batch starts later than this after the batch's first. */
  ENRICH_LOOKUP_BATCH_BUDGET_MS: env.int(2000, 1, 600_000),
  ENRICH_CIRCUIT_FAILURES: env.int(DEFAULT_RESILIENCE.failureThreshold, 1, 10_000),
  ENRICH_CIRCUIT_OPEN_MS: env.int(DEFAULT_RESILIENCE.openMs, 1, 3_600_000),
  ENRICH_LOOKUP_CACHE_TTL_MS: env.int(DEFAULT_RESILIENCE.cacheTtlMs, 0),
  ENRICH_LOOKUP_CACHE_MAX: env.int(DEFAULT_RESILIENCE.cacheMaxEntries, 1, 10_000_000),
};

/** What the enrich handler needs, independent of where it came from (environment, tests, harness). */
export interface EnrichConfig {
  limits: ValidationLimits;
  maxKeywords: number;
  duplicateWindowMs: number;
  duplicateMaxEntries: number;
  /** Link metrics endpoint; adds a LinkMetricsEnricher when set. */
  linkMetricsUrl?: string;
  resilience: Partial<ResilienceOptions>;
  lookupConcurrency: number;
  lookupBatchBudgetMs: number;
  /** Clock for validation and enrichedAt (tests pin it). */
  now?: () => number;
}

export const DEFAULT_ENRICH_CONFIG: EnrichConfig = {
  limits: { ...DEFAULT_EVENT_TIME_WINDOW, maxTextChars: 50_000 },
  maxKeywords: 50,
  duplicateWindowMs: 3_600_000,
  duplicateMaxEntries: 400_000,
  resilience: {},
  lookupConcurrency: 32,
  lookupBatchBudgetMs: 2000,
};

type Spec = typeof enrichConfigSpec;
type Env = { [K in Exclude<keyof Spec, 'ENRICH_LINK_METRICS_URL'>]: ReturnType<Spec[K]['parse']> } & { ENRICH_LINK_METRICS_URL?: string };

export function enrichConfigFromEnv(c: Env): EnrichConfig {
  return {
    limits: { maxAgeMs: c.ENRICH_MAX_AGE_MS, maxSkewMs: c.ENRICH_MAX_SKEW_MS, maxTextChars: c.ENRICH_MAX_TEXT_CHARS },
    maxKeywords: c.ENRICH_MAX_KEYWORDS,
    duplicateWindowMs: c.ENRICH_DUP_WINDOW_MS,
    duplicateMaxEntries: c.ENRICH_DUP_MAX_ENTRIES,
    linkMetricsUrl: c.ENRICH_LINK_METRICS_URL,
    resilience: {
      timeoutMs: c.ENRICH_LOOKUP_TIMEOUT_MS,
      maxRetries: c.ENRICH_LOOKUP_RETRIES,
      retryRatio: c.ENRICH_LOOKUP_RETRY_RATIO,
      failureThreshold: c.ENRICH_CIRCUIT_FAILURES,
      openMs: c.ENRICH_CIRCUIT_OPEN_MS,
      cacheTtlMs: c.ENRICH_LOOKUP_CACHE_TTL_MS,
      cacheMaxEntries: c.ENRICH_LOOKUP_CACHE_MAX,
    },
    lookupConcurrency: c.ENRICH_LOOKUP_CONCURRENCY,
    lookupBatchBudgetMs: c.ENRICH_LOOKUP_BATCH_BUDGET_MS,
  };
}
