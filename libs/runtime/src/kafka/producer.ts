import * as Kafka from 'node-rdkafka';
import type { Logger } from '../log';

export interface OutRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
  partition?: number;
  timestamp?: number;
}

export interface ProducerOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** How long a record may wait for acknowledgement before its send fails (bounded, never a hang). */
  deliveryTimeoutMs?: number;
  lingerMs?: number;
  /** Extra librdkafka properties. */
  overrides?: Kafka.ProducerGlobalConfig;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** One `send` call: resolved when its last record is acknowledged, rejected on the first failure. */
interface PendingSend {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * An idempotent acks=all producer on librdkafka. `send` resolves only when the broker has acknowledged
 * every record, which is what lets a stage commit its input offsets afterwards.
 */
export class ReliableProducer {
  private readonly producer: Kafka.Producer;
  private connected = false;

  constructor(private readonly options: ProducerOptions) {
    this.producer = new Kafka.Producer(
      {
        'metadata.broker.list': options.brokers.join(','),
        'client.id': options.clientId,
        'enable.idempotence': true,
        'linger.ms': options.lingerMs ?? 5,
        'compression.codec': 'lz4',
        'batch.num.messages': 10_000,
        'batch.size': 1_000_000,
        'queue.buffering.max.messages': 500_000,
        'queue.buffering.max.kbytes': 131_072,
        'socket.keepalive.enable': true,
        'socket.nagle.disable': true,
        dr_cb: true,
        ...options.overrides,
      },
      {
        'request.required.acks': -1,
        'message.timeout.ms': options.deliveryTimeoutMs ?? 30_000,
        // The Java client's partitioner: the same key lands in the same partition whoever produced it.
        partitioner: 'murmur2_random',
      },
    );
    // The opaque of every record is its send's PendingSend: one object per batch, not per record.
    this.producer.on('delivery-report', (err, report) => {
      const pending = report?.opaque as PendingSend | undefined;
      if (!pending || typeof pending !== 'object') return;
      pending.remaining--;
      if (pending.settled) return;
      if (err) {
        pending.settled = true;
        pending.reject(new DeliveryError(`Kafka did not acknowledge a record to ${report.topic}: ${err.message}`, (err as Kafka.LibrdKafkaError).code));
      } else if (pending.remaining === 0) {
        pending.settled = true;
        pending.resolve();
      }
    });
    this.producer.on('event.error', (err) => options.logger?.warn({ err: err.message }, 'kafka producer error'));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  connect(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.producer.connect({ timeout: timeoutMs }, (err) => {
        if (err) return reject(new DeliveryError(`cannot connect producer to Kafka at ${this.options.brokers.join(',')}: ${err.message}`));
        this.connected = true;
        // Delivery reports arrive only on poll; a short interval keeps acknowledgement latency low.
        this.producer.setPollInterval(2);
        resolve();
      });
    });
  }

  /** Produce every record, in order; resolves when all are acknowledged, rejects with the first failure. */
  send(records: OutRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = { remaining: records.length, settled: false, resolve, reject };
      const produceFrom = (start: number, tries: number): void => {
        for (let i = start; i < records.length; i++) {
          const r = records[i];
          const headers = r.headers ? Object.entries(r.headers).map(([k, v]) => ({ [k]: v })) : undefined;
          try {
            this.producer.produce(r.topic, r.partition ?? null, r.value, r.key ?? null, r.timestamp ?? Date.now(), pending, headers as never);
          } catch (err) {
            const code = (err as Kafka.LibrdKafkaError).code;
            // Local queue full: librdkafka is behind; wait for deliveries to drain it, then go on from
            // this record (the rest stay behind it, so per-key order holds).
            if (code === Kafka.CODES.ERRORS.ERR__QUEUE_FULL && tries < 1000) {
              setTimeout(() => produceFrom(i, tries + 1), 5);
              return;
            }
            // Records from here on were never handed to librdkafka: no report will come for them.
            pending.remaining -= records.length - i;
            if (!pending.settled) {
              pending.settled = true;
              reject(new DeliveryError(`cannot produce to ${r.topic}: ${(err as Error).message}`, code));
            }
            return;
          }
        }
      };
      produceFrom(0, 0);
    });
  }

  flush(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => this.producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    try {
      await this.flush();
    } catch {
      // Undelivered records reject their own sends.
    }
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
    this.connected = false;
  }
}
