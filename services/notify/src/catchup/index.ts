import * as Kafka from 'node-rdkafka';
import type { Logger } from '@sluice/runtime';
import type { CatchupGap, CatchupRange, CatchupSource, StoredRecord } from '../hub/types';

export interface KafkaCatchupOptions {
  brokers: string[];
  topic: string;
  /** Never joined nor committed: librdkafka wants a group id even for a consumer driven by assign(). */
  groupId: string;
  logger: Logger;
  /** Catch-ups reading at the same time (each has its own consumer); the rest wait their turn. */
  concurrency: number;
  /** A catch-up that makes no progress for this long fails (the client is closed and may retry). */
  idleTimeoutMs: number;
}

/**
 * Reads ranges of the alert topic back from Kafka for a reconnecting client: a short-lived
 * node-rdkafka consumer assigned at the client's offsets, outside any consumer group, so a catch-up
 * never disturbs the stage's group nor anybody's committed offsets.
 */
export class KafkaCatchupSource implements CatchupSource {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: KafkaCatchupOptions) {}

  async read(ranges: CatchupRange[], onRecords: (records: StoredRecord[]) => Promise<void>, control: { stopped: () => boolean; onGap: (gap: CatchupGap) => void }): Promise<void> {
    await this.acquire();
    try {
      if (!control.stopped()) await this.readWith(ranges, onRecords, control);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  private async readWith(ranges: CatchupRange[], onRecords: (records: StoredRecord[]) => Promise<void>, control: { stopped: () => boolean; onGap: (gap: CatchupGap) => void }): Promise<void> {
    const { topic, brokers } = this.options;
    const consumer = new Kafka.KafkaConsumer(
      {
        'group.id': this.options.groupId,
        'client.id': `${this.options.groupId}-${process.pid}`,
        'metadata.broker.list': brokers.join(','),
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'enable.partition.eof': true,
        'fetch.wait.max.ms': 50,
        'socket.keepalive.enable': true,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    consumer.on('event.error', (err) => this.options.logger.debug({ err: err.message }, 'catch-up consumer error'));
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`cannot connect a catch-up consumer to Kafka at ${brokers.join(',')}: ${err.message}`)) : resolve())),
    );
    try {
      const until = new Map<number, number>();
      const assignment: Kafka.Assignment[] = [];
      for (const r of ranges) {
        const marks = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) =>
          consumer.queryWatermarkOffsets(topic, r.partition, 10_000, (err, o) => (err ? reject(new Error(`cannot read the offsets of ${topic} partition ${r.partition}: ${err.message}`)) : resolve(o))),
        );
        let from = r.from;
        if (from < marks.lowOffset) {
          control.onGap({ partition: r.partition, requested: from, available: marks.lowOffset });
          from = marks.lowOffset;
        }
        const to = Math.min(r.to, marks.highOffset);
        if (from >= to) continue;
        until.set(r.partition, to);
        assignment.push({ topic, partition: r.partition, offset: from });
      }
      if (assignment.length === 0) return;
      // End-of-partition events fire before the batch they follow is handed over; apply them after it.
      const ended = new Map<number, number>();
      consumer.on('partition.eof', (eof) => {
        if (eof.topic === topic) ended.set(eof.partition, eof.offset);
      });
      consumer.assign(assignment);
      consumer.setDefaultConsumeTimeout(100);
      let lastProgress = Date.now();
      while (until.size > 0 && !control.stopped()) {
        if (Date.now() - lastProgress > this.options.idleTimeoutMs) {
          throw new Error(`catch-up made no progress for ${this.options.idleTimeoutMs} ms; still reading partitions ${[...until.keys()].join(', ')} of ${topic}`);
        }
        const messages = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(500, (err, m) => (err ? reject(err) : resolve(m ?? []))));
        const batch: StoredRecord[] = [];
        for (const m of messages) {
          const to = until.get(m.partition);
          if (to === undefined) continue;
          if (m.offset >= to) {
            until.delete(m.partition);
            continue;
          }
          batch.push({ partition: m.partition, offset: m.offset, timestamp: m.timestamp ?? 0, value: m.value ?? null });
          if (m.offset >= to - 1) until.delete(m.partition);
        }
        if (batch.length > 0) {
          lastProgress = Date.now();
          await onRecords(batch);
        }
        for (const [p, end] of ended) if (end >= (until.get(p) ?? Infinity)) until.delete(p);
        ended.clear();
      }
    } finally {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
  }
}
