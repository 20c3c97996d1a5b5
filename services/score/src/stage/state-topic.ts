/**
 * Reads the compacted model-state topic to its end (by assignment, outside any group) and looks up the
 * score group's committed offsets, both needed when partitions are assigned.
 */
import * as Kafka from 'node-rdkafka';

export interface StateEntry {
  key: string;
  value: unknown;
}

function connect(brokers: string[], group: string): Promise<Kafka.KafkaConsumer> {
  const consumer = new Kafka.KafkaConsumer(
    {
      // The stage's group id, only to read its committed offsets: this consumer never subscribes or commits.
      'group.id': group,
      'client.id': `${group}-state-reader`,
      'metadata.broker.list': brokers.join(','),
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': true,
      'fetch.wait.max.ms': 50,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  return new Promise((resolve, reject) =>
    consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`cannot connect the model-state reader to Kafka at ${brokers.join(',')}: ${err.message}`)) : resolve(consumer))),
  );
}

const disconnect = (c: Kafka.KafkaConsumer) => new Promise<void>((resolve) => c.disconnect(() => resolve()));

function watermarks(c: Kafka.KafkaConsumer, topic: string, partition: number): Promise<{ low: number; high: number }> {
  return new Promise((resolve, reject) =>
    c.queryWatermarkOffsets(topic, partition, 10_000, (err, o) => (err ? reject(new Error(`cannot read the end offsets of ${topic}[${partition}]: ${err.message}`)) : resolve({ low: o.lowOffset, high: o.highOffset }))),
  );
}

/**
 * Every entry of the state topic whose key `keep` accepts, in topic order (later entries of a key win when
 * the caller folds them into a map). Values are JSON; entries that are not are skipped.
 */
export async function readStateTopic(brokers: string[], group: string, topic: string, keep: (key: string) => boolean, timeoutMs = 60_000): Promise<StateEntry[]> {
  const c = await connect(brokers, group);
  try {
    const meta = await new Promise<Kafka.Metadata>((resolve, reject) => c.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))));
    const partitions = meta.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    const remaining = new Map<number, number>();
    const assign: Kafka.TopicPartitionOffset[] = [];
    for (const p of partitions) {
      const w = await watermarks(c, topic, p);
      if (w.high > w.low) {
        remaining.set(p, w.high);
        assign.push({ topic, partition: p, offset: w.low });
      }
    }
    const out: StateEntry[] = [];
    if (assign.length === 0) return out;
    // Compaction leaves gaps in offsets: the end of a partition is its EOF, not a particular offset.
    c.on('partition.eof', (eof: { partition: number }) => remaining.delete(eof.partition));
    c.assign(assign);
    c.setDefaultConsumeTimeout(100);
    const deadline = Date.now() + timeoutMs;
    while (remaining.size > 0) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`);
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) => c.consume(5000, (err, m) => (err ? reject(err) : resolve(m))));
      for (const m of batch) {
        // EOF events of a batch are emitted before its messages are handed over: read every message.
        const end = remaining.get(m.partition);
        if (end !== undefined && m.offset + 1 >= end) remaining.delete(m.partition);
        if (!m.key || !m.value) continue;
        const key = m.key.toString();
        if (!keep(key)) continue;
        try {
          out.push({ key, value: JSON.parse(m.value.toString('utf8')) });
        } catch {
          // Not a checkpoint this version understands; the entity starts cold.
        }
      }
    }
    return out;
  } finally {
    await disconnect(c);
  }
}

/** Committed offsets of `group` for the partitions (absent when the group has none). */
export async function committedOffsets(brokers: string[], group: string, topic: string, partitions: number[]): Promise<Map<number, number>> {
  const c = await connect(brokers, group);
  try {
    const tps = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      c.committed(
        partitions.map((p) => ({ topic, partition: p })),
        10_000,
        (err, r) => (err ? reject(new Error(`cannot read the committed offsets of ${group}: ${err.message}`)) : resolve(r)),
      ),
    );
    const out = new Map<number, number>();
    for (const tp of tps) if (typeof tp.offset === 'number' && tp.offset >= 0) out.set(tp.partition, tp.offset);
    return out;
  } finally {
    await disconnect(c);
  }
}
