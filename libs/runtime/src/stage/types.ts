import type { GroupStage, Naming, TopicKey } from '@sluice/contracts';
import type { Logger } from '../log';
import type { AvroSerde } from '../registry';

/** A consumed record after decoding, as a handler sees it. */
export interface InRecord<T = unknown> {
  topic: string;
  topicKey: TopicKey;
  partition: number;
  offset: number;
  /** Kafka timestamp (ms). */
  timestamp: number;
  key: Buffer | null;
  headers: Record<string, string>;
  value: T;
  /** The original value bytes, kept for the dead-letter topic. */
  raw: Buffer | null;
}

/** A record a handler wants produced. */
export interface Produce {
  topic: TopicKey;
  key: string | null;
  value: unknown;
  headers?: Record<string, string>;
  /** Explicit partition (default: by key). */
  partition?: number;
  /**
   * Input record it derives from: if it cannot be encoded, that input is dead-lettered. When the
   * output's first field is that input's decoded value itself (EnrichedEvent.event, ScoredEvent.enriched),
   * the input's bytes are reused rather than encoded again, so handlers must never mutate a decoded input.
   */
  from?: InRecord<unknown>;
}

/** An input record the handler refuses, with the reason that goes to the dead-letter topic. */
export interface Rejection {
  record: InRecord<unknown>;
  reason: string;
  /** validation (bad content), handler (processing failed) … */
  errorType?: string;
}

export interface BatchOutcome {
  produce?: Produce[];
  reject?: Rejection[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface StageContext {
  logger: Logger;
  naming: Naming;
  serde: AvroSerde;
  /** Instance id (client id) of this process. */
  instance: string;
}

/**
 * What a service declares: the group it is, the outputs it writes, and its handler. Everything else
 * (consuming, decoding, batching, producing, committing, dead letters, metrics) is the runtime's.
 */
export interface StageDefinition<T = unknown> {
  stage: GroupStage;
  /** Input topics; defaults to STAGE_INPUTS[stage]. */
  inputs?: TopicKey[];
  outputs: TopicKey[];
  handle(batch: InRecord<T>[], ctx: StageContext): Promise<BatchOutcome>;
  /**
   * Partitions were assigned. May return offsets to start from ("topic:partition" -> next offset),
   * for stages that keep their own offsets (persist stores them with its rows).
   */
  onAssigned?(partitions: TopicPartition[], ctx: StageContext): Promise<Map<string, number> | void>;
  /** Partitions are being revoked; in-flight work for them is finished and committed before this. */
  onRevoked?(partitions: TopicPartition[], ctx: StageContext): Promise<void>;
  /**
   * Outputs of a batch were acknowledged and its offsets are about to be committed (persist publishes
   * confirmations here; the at-least-once test kills a process here).
   */
  afterOutputsAcknowledged?(batch: InRecord<T>[], ctx: StageContext): Promise<void> | void;
  /** Whether a thrown error is transient (retried forever with backoff, e.g. a database outage). */
  isTransient?(err: unknown): boolean;
  /** Called once on start with the context (open pools, load models). */
  start?(ctx: StageContext): Promise<void>;
  /** Called once after the consumer has left the group. */
  stop?(ctx: StageContext): Promise<void>;
}

export interface StageOptions {
  brokers: string[];
  registryUrl: string;
  prefix?: string;
  /** Prefix of the input topics when it differs from `prefix` (shadow replay: live inputs, shadow outputs). */
  inputPrefix?: string;
  logger?: Logger;
  /** Most records handed to the handler at once. */
  batchSize?: number;
  /** Longest a record waits for its batch to fill (ms since the first record of the batch arrived). */
  batchWaitMs?: number;
  /** Records queued per partition before that partition is paused. */
  maxInFlightPerPartition?: number;
  /** Records read ahead into the process, all partitions together, before polling waits (default 4 × batchSize). */
  maxQueued?: number;
  /**
   * Batches whose outputs may await the broker's acknowledgement while the next batch is handled
   * (default 3). Offsets are still committed strictly in batch order.
   */
  pipelineDepth?: number;
  /** librdkafka's prefetch queue (queued.max.messages.kbytes), part of a stage's memory; default 16 MiB. */
  prefetchKBytes?: number;
  /** Handler attempts before a non-transient failure isolates and dead-letters the failing records. */
  maxAttempts?: number;
  /** Backoff between attempts: initial and ceiling (ms). */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Interval of the consumer lag measurement for this stage's group (ms, 0 = off). */
  lagIntervalMs?: number;
  clientId?: string;
  /** Listen for operator commands on the control topic (coordinated replay); default true. */
  control?: boolean;
  /** Extra librdkafka consumer properties. */
  consumerOverrides?: Record<string, string | number | boolean>;
}
