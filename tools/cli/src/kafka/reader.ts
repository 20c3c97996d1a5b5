import * as Kafka from 'node-rdkafka';

/** A consumed record as the CLI inspects it (no decoding). */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Offsets [from, to) of one partition. */
export interface PartitionRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

export function toReadRecord(m: Kafka.Message): ReadRecord {
  const headers: Record<string, string> = {};
  for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  const key = m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key));
  return { topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp ?? 0, key, value: m.value ?? null, headers };
}

/**
 * Reads partitions by assignment, outside any consumer group: the CLI only looks, so it never joins,
 * rebalances or commits anything in the groups it inspects.
 */
export class PartitionReader {
  private readonly consumer: Kafka.KafkaConsumer;
  /** Log end offset each partition's end-of-log event reported. */
  private readonly eof = new Map<string, number>();

  constructor(brokers: string[]) {
    this.consumer = new Kafka.KafkaConsumer(
      {
        // Never joined (no subscribe, no commit); librdkafka wants one anyway.
        'group.id': `sluice-cli-reader-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
        'metadata.broker.list': brokers.join(','),
        'enable.auto.commit': false,
        'enable.partition.eof': true,
        'fetch.wait.max.ms': 100,
      },
      // A range start below the log start (retention deleted it) reads from the earliest record.
      { 'auto.offset.reset': 'earliest' },
    );
    this.consumer.on('partition.eof', (e: { topic: string; partition: number; offset: number }) => this.eof.set(`${e.topic}:${e.partition}`, e.offset));
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`cannot connect a reader to Kafka: ${err.message}`)) : resolve())),
    );
    this.consumer.setDefaultConsumeTimeout(100);
  }

  assign(positions: Array<{ topic: string; partition: number; offset: number }>): void {
    this.consumer.assign(positions);
  }

  /**
   * Log end offset of a partition when the reader last reached it (undefined before). End-of-log events
   * arrive in order with the records, so every record before that offset has been delivered.
   */
  endReached(topic: string, partition: number): number | undefined {
    return this.eof.get(`${topic}:${partition}`);
  }

  poll(max = 1000): Promise<ReadRecord[]> {
    return new Promise((resolve, reject) =>
      this.consumer.consume(max, (err, messages) => {
        if (err) return reject(new Error(`reading from Kafka failed: ${err.message}`));
        resolve(messages.map(toReadRecord));
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.consumer.disconnect(() => resolve()));
  }
}

/**
 * Reads every record of the given ranges (offset order within a partition). A partition is done when
 * the record before `to` was read or the log end was reached (gaps: compaction, retention).
 */
export async function readRanges(brokers: string[], ranges: PartitionRange[], timeoutMs = 120_000): Promise<ReadRecord[]> {
  const open = ranges.filter((r) => r.to > r.from);
  if (open.length === 0) return [];
  const reader = new PartitionReader(brokers);
  await reader.connect();
  const pending = new Map(open.map((r) => [`${r.topic}:${r.partition}`, r]));
  const out: ReadRecord[] = [];
  try {
    reader.assign(open.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.from })));
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`reading ${[...pending.keys()].join(', ')} did not finish within ${Math.round(timeoutMs / 1000)} s`);
      }
      const batch = await reader.poll();
      for (const rec of batch) {
        const key = `${rec.topic}:${rec.partition}`;
        const range = pending.get(key);
        if (!range) continue;
        // Past the range (its records were deleted by retention): nothing more to read there.
        if (rec.offset >= range.to) {
          pending.delete(key);
          continue;
        }
        if (rec.offset >= range.from) out.push(rec);
        if (rec.offset >= range.to - 1) pending.delete(key);
      }
      for (const [key, r] of pending) if (reader.endReached(r.topic, r.partition) !== undefined) pending.delete(key);
    }
  } finally {
    await reader.close();
  }
  return out;
}
