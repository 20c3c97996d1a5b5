import { ReliableProducer, type Logger, type OutRecord } from '@sluice/runtime';

/** Kafka did not take the events within the bounded time: the request answers 503. */
export class KafkaUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaUnavailable';
  }
}

export interface EventSink {
  /** Resolves when Kafka acknowledged every record (acks=all); rejects with KafkaUnavailable within the bound. */
  send(records: OutRecord[]): Promise<void>;
  readonly isConnected: boolean;
  readonly problem: string | undefined;
}

export interface SinkOptions {
  brokers: string[];
  clientId: string;
  /** The bound: how long a send waits for a connection or an acknowledgement. */
  timeoutMs: number;
  lingerMs: number;
  logger?: Logger;
}

interface PendingSend {
  deadline: number;
  reject: (err: Error) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The raw topic's producer. It connects in the background and keeps trying, so ingest starts (and
 * answers 503 with the reason) while Kafka is unreachable, instead of failing to start or hanging.
 */
export class KafkaSink implements EventSink {
  private producer: ReliableProducer | undefined;
  private connecting: Promise<ReliableProducer> | undefined;
  private stopped = false;
  private lastError: string | undefined;
  private readonly pending = new Set<PendingSend>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SinkOptions) {}

  get isConnected(): boolean {
    return this.producer !== undefined;
  }

  get problem(): string | undefined {
    return this.producer ? undefined : `not connected to Kafka at ${this.options.brokers.join(',')}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  /** Starts connecting; resolves once connected (callers need not wait). */
  connect(): Promise<ReliableProducer> {
    this.connecting ??= this.connectLoop();
    return this.connecting;
  }

  private async connectLoop(): Promise<ReliableProducer> {
    let delay = 500;
    for (;;) {
      if (this.stopped) throw new KafkaUnavailable('ingest is stopping');
      const producer = new ReliableProducer({
        brokers: this.options.brokers,
        clientId: this.options.clientId,
        logger: this.options.logger,
        deliveryTimeoutMs: this.options.timeoutMs,
        lingerMs: this.options.lingerMs,
        // librdkafka leaves Nagle's algorithm on; with small produce requests it holds them back for
        // the broker's delayed ACK (tens of milliseconds per acknowledgement). The Java client turns it off too.
        overrides: { 'socket.nagle.disable': true },
      });
      try {
        await producer.connect(this.options.timeoutMs);
        if (this.stopped) {
          await producer.disconnect();
          throw new KafkaUnavailable('ingest is stopping');
        }
        this.producer = producer;
        this.lastError = undefined;
        this.options.logger?.info({ brokers: this.options.brokers }, 'producer connected to Kafka');
        return producer;
      } catch (err) {
        if (err instanceof KafkaUnavailable) throw err;
        const message = (err as Error).message;
        if (message !== this.lastError) this.options.logger?.warn({ err: message }, 'cannot connect to Kafka; retrying');
        this.lastError = message;
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  async send(records: OutRecord[]): Promise<void> {
    const producer = this.producer ?? (await this.waitForConnection());
    // librdkafka fails undelivered records after message.timeout.ms (the bound); the deadline only
    // catches a send stuck before that (a full local queue). One sweep timer serves every send.
    return new Promise<void>((resolve, reject) => {
      const entry: PendingSend = { deadline: Date.now() + this.options.timeoutMs + 1000, reject };
      this.pending.add(entry);
      this.sweep();
      producer.send(records).then(
        () => {
          this.pending.delete(entry);
          resolve();
        },
        (err: Error) => {
          this.pending.delete(entry);
          reject(new KafkaUnavailable(`Kafka did not acknowledge the events within ${this.options.timeoutMs} ms: ${err.message}`));
        },
      );
    });
  }

  private sweep(): void {
    if (this.sweeper || this.pending.size === 0) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const entry of this.pending) {
        if (entry.deadline > now) continue;
        this.pending.delete(entry);
        entry.reject(new KafkaUnavailable(`Kafka did not acknowledge the events within ${this.options.timeoutMs} ms`));
      }
      if (this.pending.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, 250);
    this.sweeper.unref();
  }

  private async waitForConnection(): Promise<ReliableProducer> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new KafkaUnavailable(`Kafka is unreachable: ${this.problem} (waited ${this.options.timeoutMs} ms)`)), this.options.timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A connection attempt under way ends within the bound; wait for it so no client is left behind.
    await this.connecting?.catch(() => undefined);
    const producer = this.producer;
    this.producer = undefined;
    // Flushes, so every request still waiting gets its acknowledgement (or its failure) before exit.
    await producer?.disconnect();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
