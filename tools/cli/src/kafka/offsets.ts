import * as Kafka from 'node-rdkafka';
import type { Admin } from '../context';

export interface Watermarks {
  low: number;
  high: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** Log start and end offset of every partition of a topic. */
export async function watermarks(admin: Admin, topic: string): Promise<Map<number, Watermarks>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
}

/** Committed offsets of a group ("topic:partition" -> next offset; absent when the group never committed). */
export async function committedOffsets(admin: Admin, group: string, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of await admin.fetchOffsets({ groupId: group, topics })) {
    for (const p of t.partitions) if (Number(p.offset) >= 0) out.set(tpKey(t.topic, p.partition), Number(p.offset));
  }
  return out;
}

/** Per partition, the offset of the first record with a timestamp at or after `at` (the log end if none). */
export async function offsetsAtTime(admin: Admin, topic: string, at: number): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, at);
  return new Map(offsets.map((o) => [o.partition, Number(o.offset)]));
}

export interface GroupDescription {
  group: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead (unknown group) … */
  state: string;
  /** Client ids of the members: a Sluice stage's instance id. */
  members: string[];
}

export async function describeGroup(admin: Admin, group: string): Promise<GroupDescription> {
  const { groups } = await admin.describeGroups([group]);
  const g = groups[0];
  return { group, state: g?.state ?? 'Dead', members: [...new Set((g?.members ?? []).map((m) => m.clientId))].sort() };
}

export const isEmptyGroup = (state: string): boolean => state === 'Empty' || state === 'Dead';

export class GroupNotEmptyError extends Error {
  constructor(readonly group: string) {
    super(`consumer group ${group} has active members; Kafka accepts an offset reset only while the group is empty`);
    this.name = 'GroupNotEmptyError';
  }
}

/**
 * Commits offsets for a group from outside it: the same OffsetCommit (generation -1, no member) that
 * Kafka's AdminClient.alterConsumerGroupOffsets and kafka-consumer-groups --reset-offsets send. The
 * broker accepts it only while the group has no members, so a reset can never race a live consumer.
 * (kafkajs' admin.setOffsets instead joins the group with a throwaway consumer and waits a fetch cycle,
 * about five seconds per topic, which would stretch the time a paused stage stays out.)
 */
export async function commitGroupOffsets(brokers: string[], group: string, offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
  if (offsets.length === 0) return;
  const consumer = new Kafka.KafkaConsumer({ 'group.id': group, 'metadata.broker.list': brokers.join(','), 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(`cannot connect to Kafka to reset ${group}: ${err.message}`)) : resolve())),
  );
  try {
    consumer.commitSync(offsets);
  } catch (e) {
    const err = e as Kafka.LibrdKafkaError;
    if (err.code === Kafka.CODES.ERRORS.ERR_UNKNOWN_MEMBER_ID || err.code === Kafka.CODES.ERRORS.ERR_ILLEGAL_GENERATION || err.code === Kafka.CODES.ERRORS.ERR_REBALANCE_IN_PROGRESS) {
      throw new GroupNotEmptyError(group);
    }
    throw new Error(`committing offsets for ${group} failed: ${err.message}`);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
