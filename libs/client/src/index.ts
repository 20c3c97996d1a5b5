/** @sluice/client: the producer and analyst SDK. */
export { createClient, Client, ConfirmationsUnavailable, prepareEvent, type SluiceClient, type ClientStats, type WaitOptions } from './client';
export {
  ConfirmationListener,
  ConfirmationTimeout,
  ConfirmationsRefused,
  RecentConfirmations,
  confirmationsUrl,
  CONFIRMATIONS_PATH,
  type EventConfirmation,
  type ConfirmationListenerOptions,
  type ConfirmationStats,
} from './confirmations';
export type { EventInput, SendResult, ClientTarget, HttpTarget, KafkaTarget, ClientOptions } from './types';
export { consumeAlerts, onAlerts, type AlertStream, type AlertStreamOptions, type AlertRecord } from './alerts';
export { ulidFactory, ulidTime, ULID_PATTERN } from './ids/ulid';
export { Batcher, DEFAULT_BATCH_LIMITS, type BatchLimits, type Timers } from './batch';
export {
  RetryBudget,
  ConcurrencyLimit,
  fullJitterMs,
  retryDelayMs,
  parseRetryAfter,
  DEFAULT_BACKOFF,
  DEFAULT_RETRY_BUDGET,
  type BackoffOptions,
  type RetryBudgetOptions,
} from './retry';
export { interpretResponse, stripPosition, HttpTransport, DEFAULT_COMPRESSION, type HttpCompression } from './transport/http';
export { eventKey, toRawEvent, contractProblems, undeclaredFields } from './transport/kafka';
export type { AttemptOutcome, EventOutcome, PreparedEvent, Transport } from './transport/types';
