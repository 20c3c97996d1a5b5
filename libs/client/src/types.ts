import type { RawEvent } from '@sluice/contracts';
import type { BackoffOptions, RetryBudgetOptions } from './retry';

/**
 * An event as a producer sends it: a RawEvent (the generated Avro type) without the fields Sluice fills
 * in. `id` is the idempotency key; when left out the client assigns a ULID before the first attempt, so
 * every retry carries the same id and a retry never becomes a second event downstream.
 */
export type EventInput = Omit<RawEvent, 'id' | 'receivedAt' | 'producer' | 'occurredAt'> & {
  id?: string;
  /** Epoch milliseconds, a Date, or an ISO-8601 date-time with a time zone. */
  occurredAt: number | Date | string;
};

/** The outcome of one event, always with the id it was sent under. */
export type SendResult =
  /** Ingest (or the Kafka broker) acknowledged the event: it is in the raw topic. */
  | { status: 'accepted'; id: string; attempts: number }
  /** The event itself is invalid; `reasons` are the server's (or, for Kafka, the schema's) field-named reasons. Never retried. */
  | { status: 'rejected'; id: string; reasons: string[]; attempts: number }
  /** The event could not be delivered: credentials refused, retries or the retry budget exhausted, delivery timeout, client closed. */
  | { status: 'failed'; id: string; error: string; attempts: number; retryable: boolean };

export interface HttpTarget {
  transport: 'http';
  /** Base URL of ingest, e.g. http://127.0.0.1:8080. */
  url: string;
  apiKey: string;
  /** Send the key as `X-API-Key` instead of `Authorization: Bearer`. */
  apiKeyHeader?: 'authorization' | 'x-api-key';
  /**
   * Base URL of notify (e.g. http://127.0.0.1:8083). When set, the client opens notify's confirmations
   * socket with the same API key on the first send, and waitForConfirmation works.
   */
  notifyUrl?: string;
}

export interface KafkaTarget {
  transport: 'kafka';
  brokers: string[] | string;
  registryUrl: string;
  /** Deployment prefix of topic and subject names (SLUICE_TOPIC_PREFIX). */
  prefix?: string;
  clientId?: string;
}

export type ClientTarget = HttpTarget | KafkaTarget;

export interface ClientOptions {
  /** Most events per request / produce batch (default 500; ingest accepts up to INGEST_MAX_BATCH_EVENTS). */
  maxBatchEvents?: number;
  /** Most bytes of encoded events per request (default 1 MiB; ingest accepts up to INGEST_MAX_BODY_BYTES). */
  maxBatchBytes?: number;
  /** How long an event may wait for others to fill its batch (default 20 ms). */
  lingerMs?: number;
  /** Most requests in flight at once (default 4); lowered automatically while the server sheds load. */
  maxInFlight?: number;
  /** Most events accepted by send() and not yet settled; send() waits for room beyond it (default 100,000). */
  maxQueuedEvents?: number;
  /** Most attempts of one event, the first included (default 12). */
  maxAttempts?: number;
  /** Longest time from an event's batch leaving to its last attempt (default 300,000 ms). */
  deliveryTimeoutMs?: number;
  /** Timeout of one HTTP request (default 30,000 ms). */
  requestTimeoutMs?: number;
  /** HTTP request bodies: "gzip" (default) compresses those of at least compressAboveBytes; "none" never does. */
  compression?: 'gzip' | 'none';
  /** Smallest body gzipped (default 4096 bytes: below that compression saves little). */
  compressAboveBytes?: number;
  /** Confirmed event ids remembered for waitForConfirmation calls made after the confirmation arrived (default 100,000). */
  rememberConfirmations?: number;
  backoff?: Partial<BackoffOptions>;
  retryBudget?: Partial<RetryBudgetOptions>;
  /** Makes the ids the client assigns (default: monotonic ULIDs). */
  newId?: () => string;
  /** Jitter source (default Math.random); tests pass a seeded one. */
  random?: () => number;
}
