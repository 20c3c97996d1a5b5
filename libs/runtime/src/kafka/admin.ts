import { Kafka, logLevel, type Admin } from 'kafkajs';
import { TOPICS, type Naming, type TopicKey } from '@sluice/contracts';
import type { Logger } from '../log';

export function kafkaAdminClient(brokers: string[], clientId: string, logger?: Logger): Admin {
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logger?.warn({ kafkajs: entry.namespace, ...entry.log }, entry.log.message),
    retry: { retries: 5, initialRetryTime: 200 },
  });
  return kafka.admin();
}

export interface TopicDrift {
  topic: string;
  problem: string;
}

/** Create the declared topics that do not exist; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, names: Naming, keys: TopicKey[] = Object.keys(TOPICS) as TopicKey[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = keys.filter((k) => !existing.has(names.topic(k)));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      // kafkajs's wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a fresh broker answers for a moment.
      waitForLeaders: false,
      topics: missing.map((k) => ({
        topic: names.topic(k),
        numPartitions: TOPICS[k].partitions,
        replicationFactor: -1,
        configEntries: Object.entries(TOPICS[k].config).map(([name, value]) => ({ name, value })),
      })),
    });
  } catch (err) {
    // Another instance may have created them in between.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
  await waitForLeaders(admin, missing.map((k) => names.topic(k)));
  return missing.map((k) => names.topic(k));
}

/** Wait until every partition of the topics has a leader (metadata can lag creation). */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Differences between the declared topics and what the cluster has. */
export async function topicDrift(admin: Admin, names: Naming, keys: TopicKey[] = Object.keys(TOPICS) as TopicKey[]): Promise<TopicDrift[]> {
  const drift: TopicDrift[] = [];
  const existing = new Set(await admin.listTopics());
  const present = keys.filter((k) => existing.has(names.topic(k)));
  for (const k of keys) if (!existing.has(names.topic(k))) drift.push({ topic: names.topic(k), problem: 'missing' });
  if (present.length === 0) return drift;
  const meta = await admin.fetchTopicMetadata({ topics: present.map((k) => names.topic(k)) });
  for (const t of meta.topics) {
    const key = names.keyOf(t.name)!;
    if (t.partitions.length !== TOPICS[key].partitions) drift.push({ topic: t.name, problem: `partitions: declared ${TOPICS[key].partitions}, actual ${t.partitions.length}` });
  }
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((k) => ({ type: 2 /* TOPIC */, name: names.topic(k), configNames: Object.keys(TOPICS[k].config) })),
  });
  for (const r of configs.resources) {
    const key = names.keyOf(r.resourceName)!;
    for (const [name, declared] of Object.entries(TOPICS[key].config)) {
      const actual = r.configEntries.find((e) => e.configName === name)?.configValue;
      if (actual !== declared) drift.push({ topic: r.resourceName, problem: `${name}: declared ${declared}, actual ${actual ?? 'unset'}` });
    }
  }
  return drift;
}
