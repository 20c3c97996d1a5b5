import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type LogEntry as KafkaLogEntry, type Producer } from 'kafkajs';
import type { Logger } from '@sluice/runtime';
import { errors } from './errors';

export interface LogEntry {
  offset: number;
  key: string | null;
  value: string | null;
}

export interface SchemaLogOptions {
  brokers: string[];
  topic: string;
  logger: Logger;
  clientId?: string;
}

interface Waiter {
  position: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The registry topic: one partition (so there is one order everybody applies), compacted. Appends go
 * through an idempotent producer; a consumer of its own (a fresh group that never commits) reads the
 * whole log from the beginning and hands each entry to the state machine exactly once, in order.
 */
export class SchemaLog {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly waiters = new Set<Waiter>();
  private failure: Error | undefined;
  /** The offset after the last applied entry. */
  private next = 0;

  constructor(private readonly options: SchemaLogOptions) {
    const { logger } = options;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'sluice-registry',
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: KafkaLogEntry) => logKafka(logger, entry),
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.consumer = this.kafka.consumer({
      groupId: `sluice-registry-${randomUUID()}`,
      maxWaitTimeInMs: 1000,
      retry: { retries: 10 },
    });
  }

  get topic(): string {
    return this.options.topic;
  }

  /** How far this instance has applied the log: the offset of the next entry it expects. */
  get position(): number {
    return this.next;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  async start(apply: (entry: LogEntry) => void): Promise<void> {
    await this.admin.connect();
    await this.ensureTopic();
    await this.producer.connect();
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(new Error(`registry log consumer stopped: ${payload.error.message}`));
    });
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, isRunning, isStale, heartbeat }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) return;
          const offset = Number(message.offset);
          // After a consumer restart the group (which never commits) starts over from the beginning.
          if (offset < this.next) continue;
          apply({ offset, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null });
          this.advance(offset + 1);
        }
        await heartbeat();
      },
    });
  }

  /** The log end offset: everything written so far has an offset below it. */
  async endOffset(): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    return Number(offsets[0]!.high);
  }

  /** Appends one entry and returns its offset once the broker has acknowledged it. */
  async append(key: string, value: string | null): Promise<number> {
    const [meta] = await this.producer.send({ topic: this.topic, messages: [{ key, value, partition: 0 }] });
    return Number(meta!.baseOffset);
  }

  /** Resolves once every entry below `position` has been applied (an infinite timeout waits forever). */
  waitFor(position: number, timeoutMs: number): Promise<void> {
    if (this.failure) return Promise.reject(errors.backend(this.failure.message));
    if (this.next >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiters.delete(waiter);
            reject(errors.timeout(`the registry log was not applied up to offset ${position} within ${timeoutMs} ms (applied up to ${this.next})`));
          }, timeoutMs)
        : undefined;
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the registry is shutting down'));
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect(), this.admin.disconnect()]);
  }

  private advance(next: number): void {
    this.next = next;
    for (const waiter of this.waiters) {
      if (waiter.position <= next) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiters) waiter.reject(errors.backend(err.message));
    this.waiters.clear();
  }

  private async ensureTopic(): Promise<void> {
    const { topic } = this;
    // kafkajs's own wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a freshly started
    // broker answers for a moment; partitionCount() below waits for the leader instead.
    await this.admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const partitions = await this.partitionCount();
    if (partitions !== 1) throw new Error(`registry topic ${topic} has ${partitions} partitions; it must have exactly 1 so that every instance applies one order`);
  }

  /**
   * When another instance created the topic a moment ago, kafkajs reports "exists" without waiting for
   * it to have a leader, so the metadata may not be there yet: retry until it is.
   */
  private async partitionCount(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [this.topic] });
        const partitions = metadata.topics[0]?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return partitions.length;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`registry topic ${this.topic} has no leader after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function logKafka(logger: Logger, { namespace, level, log }: KafkaLogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
  const text = `kafkajs ${namespace}: ${message}`;
  // kafkajs logs errors it retries (coordinator loading, rebalances) at error level; failures that
  // matter reach the registry as exceptions or a consumer crash, so its own reports stay warnings.
  if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(extra, text);
  else if (level === logLevel.INFO) logger.info(extra, text);
  else logger.debug(extra, text);
}
