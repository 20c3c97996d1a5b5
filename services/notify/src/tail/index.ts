import * as Kafka from 'node-rdkafka';
import type { Logger } from '@sluice/runtime';
import type { Offsets } from '../position';
import type { StoredRecord } from '../hub/types';

export interface TailOptions {
  brokers: string[];
  topic: string;
  /**
   * librdkafka wants a group id; the tail never joins it (it assigns every partition itself, so each
   * notify instance sees the whole topic) and commits nothing.
   */
  groupId: string;
  logger: Logger;
  /** Where to start: the end of each partition, or the first record at or after a time (epoch ms). */
  from: 'latest' | { since: number };
  /** Records handed over per call. */
  maxBatch?: number;
  onRecords: (records: StoredRecord[]) => void | Promise<void>;
  /** Called with the start offsets before any record is handed over. */
  onAssigned?: (started: Offsets) => void;
  /** Called once the records that were in the topic when the tail started have been handed over. */
  onCaughtUp?: () => void;
  /** Fetch bound per partition (bytes); the console view keeps it small. */
  maxPartitionFetchBytes?: number;
}

const call = <T>(what: string, f: (cb: (err: Kafka.LibrdKafkaError | null | undefined, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(new Error(`${what}: ${err.message}`)) : resolve(v))));

/**
 * Reads one topic from its end (or from a time) for as long as it runs: a node-rdkafka consumer that
 * assigns itself every partition, outside any group. Used for the producers' confirmations (always on)
 * and for the console's pipeline view (only while someone watches it). Partitions added after the
 * start are not picked up until the next start.
 */
export class TopicTail {
  readonly started: Offsets = new Map();
  private consumer: Kafka.KafkaConsumer | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: TailOptions) {}

  async start(): Promise<Offsets> {
    const { topic, brokers, logger } = this.options;
    const consumer = new Kafka.KafkaConsumer(
      {
        'group.id': this.options.groupId,
        'client.id': `${this.options.groupId}-${process.pid}`,
        'metadata.broker.list': brokers.join(','),
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'fetch.wait.max.ms': 50,
        'socket.keepalive.enable': true,
        ...(this.options.maxPartitionFetchBytes ? { 'max.partition.fetch.bytes': this.options.maxPartitionFetchBytes, 'fetch.max.bytes': this.options.maxPartitionFetchBytes * 8 } : {}),
      },
      { 'auto.offset.reset': 'latest' },
    );
    consumer.on('event.error', (err) => logger.debug({ topic, err: err.message }, 'tail consumer error'));
    await call<unknown>(`cannot connect a consumer for ${topic} to Kafka at ${brokers.join(',')}`, (cb) => consumer.connect({ timeout: 10_000 }, cb));
    this.consumer = consumer;
    try {
      const meta = await call<Kafka.Metadata>(`cannot read the metadata of ${topic}`, (cb) => consumer.getMetadata({ topic, timeout: 10_000 }, cb));
      const partitions = (meta.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
      if (partitions.length === 0) throw new Error(`topic ${topic} does not exist (or has no partitions)`);
      const until = new Map<number, number>();
      const from = this.options.from;
      for (const p of partitions) {
        const marks = await call<Kafka.WatermarkOffsets>(`cannot read the offsets of ${topic} partition ${p}`, (cb) => consumer.queryWatermarkOffsets(topic, p, 10_000, cb));
        let start = marks.highOffset;
        if (from !== 'latest') {
          const [found] = await call<Kafka.TopicPartitionOffset[]>(`cannot look up ${topic} partition ${p} by time`, (cb) =>
            consumer.offsetsForTimes([{ topic, partition: p, offset: from.since }], 10_000, cb),
          );
          // -1: no record at or after that time.
          start = found && found.offset >= 0 ? found.offset : marks.highOffset;
        }
        this.started.set(p, start);
        if (start < marks.highOffset) until.set(p, marks.highOffset);
      }
      consumer.assign([...this.started].map(([partition, offset]) => ({ topic, partition, offset })));
      consumer.setDefaultConsumeTimeout(100);
      this.options.onAssigned?.(this.started);
      this.loop = this.run(until);
    } catch (e) {
      await this.disconnect();
      throw e;
    }
    return this.started;
  }

  private async run(until: Map<number, number>): Promise<void> {
    const consumer = this.consumer!;
    let caughtUp = false;
    const checkCaughtUp = () => {
      if (!caughtUp && until.size === 0) {
        caughtUp = true;
        this.options.onCaughtUp?.();
      }
    };
    checkCaughtUp();
    let failures = 0;
    while (!this.stopped) {
      let messages: Kafka.Message[];
      try {
        messages = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(this.options.maxBatch ?? 500, (err, m) => (err ? reject(err) : resolve(m ?? []))));
        failures = 0;
      } catch (e) {
        if (this.stopped) break;
        // librdkafka reconnects by itself; wait a little instead of spinning.
        this.options.logger.warn({ topic: this.options.topic, err: (e as Error).message }, 'tail consume failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
        continue;
      }
      if (messages.length === 0) {
        // The last offsets of a range may never arrive as messages (transaction markers, deleted records).
        if (until.size > 0) {
          for (const tp of consumer.position()) if (tp.topic === this.options.topic && tp.offset >= (until.get(tp.partition) ?? Infinity)) until.delete(tp.partition);
          checkCaughtUp();
        }
        continue;
      }
      const batch: StoredRecord[] = messages.map((m) => ({ partition: m.partition, offset: m.offset, timestamp: m.timestamp ?? 0, value: m.value ?? null }));
      try {
        await this.options.onRecords(batch);
      } catch (e) {
        this.options.logger.error({ topic: this.options.topic, err: (e as Error).message }, 'handling tailed records failed; they are skipped');
      }
      for (const r of batch) if (r.offset >= (until.get(r.partition) ?? Infinity) - 1) until.delete(r.partition);
      checkCaughtUp();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.disconnect();
  }

  private disconnect(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    if (!c) return Promise.resolve();
    return new Promise((resolve) => c.disconnect(() => resolve()));
  }
}
