/**
 * Reads persist's confirmations topic: one record per database commit, with the committed event ids
 * and the commit time. Benchmark event ids carry their HTTP (or Kafka) send time, `<tag>-<sentAtMs>-<n>`,
 * so ingest-to-persisted latency is the commit time minus that.
 */
import * as Kafka from 'node-rdkafka';
import type { Confirmation } from '@sluice/contracts';
import type { AvroSerde } from '@sluice/runtime';

export interface Committed {
  tag: string;
  sentAt: number;
  committedAt: number;
}

export class ConfirmationWatcher {
  private consumer: Kafka.KafkaConsumer | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Commit latencies by id tag. */
  readonly latencies = new Map<string, number[]>();
  /** Committed events per commit second, by id tag (sustained-throughput curves). */
  readonly perSecond = new Map<string, Map<number, number>>();
  readonly ids = new Set<string>();
  duplicates = 0;
  undecodable = 0;

  constructor(
    private readonly brokers: string[],
    private readonly serde: AvroSerde,
  ) {}

  /** Reads the topic from the beginning by assignment (node-rdkafka: Sluice's records are lz4-compressed). */
  async start(): Promise<void> {
    const topic = this.serde.naming.topic('confirmations');
    const c = new Kafka.KafkaConsumer({ 'group.id': `bench-confirmations-${Date.now().toString(36)}`, 'metadata.broker.list': this.brokers.join(','), 'enable.auto.commit': false, 'fetch.wait.max.ms': 20 }, {});
    await new Promise<void>((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
    const meta = await new Promise<Kafka.Metadata>((resolve, reject) => c.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))));
    const partitions = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
    c.assign(partitions.map((p) => ({ topic, partition: p.id, offset: -2 /* beginning */ })));
    c.setDefaultConsumeTimeout(100);
    this.consumer = c;
    this.loop = (async () => {
      while (!this.stopping) {
        const batch = await new Promise<Kafka.Message[]>((resolve) => c.consume(1000, (err, m) => resolve(err ? [] : m)));
        for (const m of batch) {
          if (!m.value) continue;
          try {
            const conf = await this.serde.decode<Confirmation>('confirmations', m.value);
            for (const id of conf.eventIds) this.record(id, conf.committedAt);
          } catch {
            this.undecodable++;
          }
        }
      }
    })();
  }

  private record(id: string, committedAt: number): void {
    // Redelivered confirmations (after a restart) are not new commits of the row.
    if (this.ids.has(id)) {
      this.duplicates++;
      return;
    }
    this.ids.add(id);
    const parts = id.split('-');
    if (parts.length < 3) return;
    const sentAt = Number(parts[parts.length - 2]);
    if (!Number.isFinite(sentAt)) return;
    const tag = parts.slice(0, parts.length - 2).join('-');
    let l = this.latencies.get(tag);
    if (!l) this.latencies.set(tag, (l = []));
    l.push(committedAt - sentAt);
    let s = this.perSecond.get(tag);
    if (!s) this.perSecond.set(tag, (s = new Map()));
    const second = Math.floor(committedAt / 1000);
    s.set(second, (s.get(second) ?? 0) + 1);
  }

  count(tag: string): number {
    return this.latencies.get(tag)?.length ?? 0;
  }

  /** Events (of one tag, or all) committed with a commit time in [from, to). */
  committedBetween(tag: string | null, from: number, to: number): number {
    let n = 0;
    for (const [t, seconds] of this.perSecond) {
      if (tag !== null && t !== tag) continue;
      for (const [second, count] of seconds) if (second * 1000 >= from && second * 1000 < to) n += count;
    }
    return n;
  }

  async waitFor(tag: string, expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(tag) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    return this.count(tag) >= expected;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    const c = this.consumer;
    if (c) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}
