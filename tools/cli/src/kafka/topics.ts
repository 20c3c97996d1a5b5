import type { Naming, TopicKey } from '@sluice/contracts';
import { ensureTopics } from '@sluice/runtime';
import type { Admin } from '../context';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ensureTopics, tolerant of the moment after creation when the broker does not list the new topics'
 * partitions yet (kafkajs' wait for leaders then fails with UNKNOWN_TOPIC_OR_PARTITION): retry until
 * their metadata is served.
 */
export async function ensureTopicsReady(admin: Admin, names: Naming, keys: TopicKey[], attempts = 20): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(admin, names, keys);
      await admin.fetchTopicMetadata({ topics: keys.map((k) => names.topic(k)) });
      return;
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (attempt >= attempts || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE')) throw e;
      await sleep(250);
    }
  }
}
