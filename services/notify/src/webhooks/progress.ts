import * as Kafka from 'node-rdkafka';
import type { Logger } from '@sluice/runtime';

/**
 * How far webhook delivery has settled on each partition (delivered or dead-lettered for every
 * matching subscription). The stage commits its offsets once alerts are handed to the webhook queues;
 * this separate position, committed to its own consumer group, is what a restart redoes webhook
 * deliveries from, so a crash with alerts still queued or retrying loses none of them.
 */
export class WebhookProgress {
  private readonly partitions = new Map<number, { next: number; outstanding: Map<number, number> }>();

  /** Webhook delivery of the partition resumes at `offset` (its committed webhook position). */
  start(partition: number, offset: number): void {
    const st = this.partitions.get(partition);
    if (!st) this.partitions.set(partition, { next: offset, outstanding: new Map() });
    else if (st.outstanding.size === 0 && offset > st.next) st.next = offset;
  }

  /** A record was processed; `deliveries` is how many subscriptions it was queued for (0: none). */
  processed(partition: number, offset: number, deliveries: number): void {
    let st = this.partitions.get(partition);
    if (!st) this.partitions.set(partition, (st = { next: offset, outstanding: new Map() }));
    if (deliveries > 0) st.outstanding.set(offset, (st.outstanding.get(offset) ?? 0) + deliveries);
    st.next = Math.max(st.next, offset + 1);
  }

  settled(partition: number, offset: number): void {
    const st = this.partitions.get(partition);
    const left = st?.outstanding.get(offset);
    if (!st || left === undefined) return;
    if (left <= 1) st.outstanding.delete(offset);
    else st.outstanding.set(offset, left - 1);
  }

  /** Per partition, the offset every record before which is settled. */
  committable(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [p, st] of this.partitions) {
      // Offsets are added in increasing order, so the map's first key is the lowest outstanding one.
      const lowest = st.outstanding.keys().next();
      out.set(p, lowest.done ? st.next : lowest.value);
    }
    return out;
  }
}

/**
 * Commits webhook progress to its own consumer group. The group never has members: librdkafka commits
 * explicit offsets for it (as a consumer driven by assign() would), which Kafka accepts for an empty group.
 */
export class ProgressCommitter {
  private consumer: Kafka.KafkaConsumer | null = null;
  private readonly committed = new Map<number, number>();

  constructor(
    private readonly brokers: string[],
    private readonly topic: string,
    readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  async connect(): Promise<void> {
    const consumer = new Kafka.KafkaConsumer(
      { 'group.id': this.groupId, 'client.id': `${this.groupId}-${process.pid}`, 'metadata.broker.list': this.brokers.join(','), 'enable.auto.commit': false },
      {},
    );
    consumer.on('event.error', (err) => this.logger.debug({ err: err.message }, 'webhook progress committer error'));
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`cannot connect the webhook progress committer to Kafka at ${this.brokers.join(',')}: ${err.message}`)) : resolve())),
    );
    this.consumer = consumer;
  }

  /** Commits the positions that moved since the last commit. */
  commit(positions: Map<number, number>): void {
    if (!this.consumer) return;
    const changed = [...positions].filter(([p, o]) => this.committed.get(p) !== o).map(([partition, offset]) => ({ topic: this.topic, partition, offset }));
    if (changed.length === 0) return;
    try {
      this.consumer.commitSync(changed);
      for (const c of changed) this.committed.set(c.partition, c.offset);
    } catch (e) {
      // Committing later (or redoing after a restart) is safe: deliveries carry idempotency keys.
      this.logger.warn({ err: String(e), group: this.groupId }, 'committing webhook progress failed; will retry');
    }
  }

  async disconnect(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    if (c) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}
