/** Helpers for tests that talk to the real broker and registry (never a mock). */
import * as Kafka from 'node-rdkafka';
import { naming, type RawEvent } from '@sluice/contracts';
import { AvroSerde, RegistryClient, ReliableProducer, kafkaAdminClient, ensureTopics, type OutRecord } from '@sluice/runtime';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const REGISTRY_URL = process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081';

/** This jest run's id (set by global-setup): its topics are deleted by global-teardown when it ends. */
const RUN = process.env.SLUICE_TEST_RUN ?? Date.now().toString(36);

/** A topic/group prefix no other test run shares: test.<name>.<run id><random>. */
export function uniquePrefix(name: string): string {
  return `test.${name}.${RUN}${Math.random().toString(36).slice(2, 6)}`;
}

export async function provision(prefix: string) {
  const names = naming(prefix);
  const admin = kafkaAdminClient(BROKERS, 'test-admin');
  await admin.connect();
  await ensureTopics(admin, names);
  await admin.disconnect();
  const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), prefix);
  await serde.register(['raw', 'enriched', 'scored', 'alerts', 'dlq', 'confirmations']);
  return { names, serde };
}

export async function produce(records: OutRecord[]): Promise<void> {
  const producer = new ReliableProducer({ brokers: BROKERS, clientId: 'test-producer' });
  await producer.connect();
  try {
    await producer.send(records);
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

/** Reads a topic from the beginning by assignment (no group), until `count` records or the timeout. */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const consumer = new Kafka.KafkaConsumer({ 'group.id': `reader-${Math.random()}`, 'metadata.broker.list': BROKERS.join(','), 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  const meta = await new Promise<Kafka.Metadata>((resolve, reject) => consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))));
  const partitions = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
  consumer.assign(partitions.map((p) => ({ topic, partition: p.id, offset: -2 /* RD_KAFKA_OFFSET_BEGINNING */ })));
  consumer.setDefaultConsumeTimeout(100);
  const out: ReadRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (out.length < count && Date.now() < deadline) {
      const batch = await new Promise<Kafka.Message[]>((resolve) => consumer.consume(1000, (err, m) => resolve(err ? [] : m)));
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = String(v);
        out.push({ topic: m.topic, partition: m.partition, offset: m.offset, key: (m.key as Buffer) ?? null, value: m.value, headers, timestamp: m.timestamp ?? 0 });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

let seq = 0;
export function rawEvent(overrides: Partial<RawEvent> = {}): RawEvent {
  const now = Date.now();
  seq++;
  return {
    id: `evt-${now.toString(36)}-${seq}`,
    source: 'twitter',
    kind: 'POST',
    occurredAt: now - 1000,
    receivedAt: now,
    author: { id: `author-${seq % 7}`, handle: `user${seq % 7}`, followers: 1000 + seq, verified: false },
    text: `hello world number ${seq} #sluice`,
    url: null,
    lang: null,
    parentId: null,
    engagement: null,
    attributes: {},
    producer: null,
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
