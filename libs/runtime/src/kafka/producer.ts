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

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * An idempotent acks=all producer on librdkafka. `send` resolves only when the broker has acknowledged
 * every record, which is what lets a stage commit its input offsets afterwards.
 */
export class ReliableProducer {
  private readonly producer: Kafka.Producer;
  private readonly waiting = new Map<number, Waiter>();
  private nextOpaque = 1;
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
    this.producer.on('delivery-report', (err, report) => {
      const opaque = report?.opaque as number | undefined;
      if (opaque === undefined) return;
      const w = this.waiting.get(opaque);
      if (!w) return;
      this.waiting.delete(opaque);
      if (err) w.reject(new DeliveryError(`Kafka did not acknowledge a record to ${report.topic}: ${err.message}`, (err as Kafka.LibrdKafkaError).code));
      else w.resolve();
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

  /** Produce every record; resolves when all are acknowledged, rejects with the first failure. */
  send(records: OutRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const acks: Promise<void>[] = [];
    for (const r of records) acks.push(this.produceOne(r));
    return Promise.all(acks).then(() => undefined);
  }

  private produceOne(r: OutRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const opaque = this.nextOpaque++;
      this.waiting.set(opaque, { resolve, reject });
      const headers = r.headers ? Object.entries(r.headers).map(([k, v]) => ({ [k]: v })) : undefined;
      const attempt = (tries: number) => {
        try {
          this.producer.produce(r.topic, r.partition ?? null, r.value, r.key ?? null, r.timestamp ?? Date.now(), opaque, headers as never);
        } catch (err) {
          const code = (err as Kafka.LibrdKafkaError).code;
          // Local queue full: librdkafka is behind; wait for deliveries to drain it, then try again.
          if (code === Kafka.CODES.ERRORS.ERR__QUEUE_FULL && tries < 1000) {
            setTimeout(() => attempt(tries + 1), 5);
            return;
          }
          this.waiting.delete(opaque);
          reject(new DeliveryError(`cannot produce to ${r.topic}: ${(err as Error).message}`, code));
        }
      };
      attempt(0);
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
