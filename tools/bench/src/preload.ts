import { naming, type RawEvent } from '@sluice/contracts';
import { AvroSerde, RegistryClient, ReliableProducer, ensureTopics, kafkaAdminClient } from '@sluice/runtime';

/** Realistic-enough raw events for throughput runs (mixed Arabic and English, hashtags, links). */
export function benchEvent(i: number, now = Date.now()): RawEvent {
  const ar = i % 3 === 0;
  return {
    id: `bench-${now.toString(36)}-${i}`,
    source: ['twitter', 'facebook', 'youtube', 'telegram', 'news'][i % 5],
    kind: 'POST',
    occurredAt: now - (i % 1000),
    receivedAt: now,
    author: { id: `author-${i % 5000}`, handle: `user${i % 5000}`, followers: (i * 37) % 200_000, verified: i % 50 === 0 },
    text: ar
      ? `عاجل: ارتفاع كبير في أسعار الوقود اليوم في المدينة #اقتصاد ${i % 97} https://news.example.com/a/${i % 500}?utm_source=x`
      : `Breaking: fuel prices jump again across the city today #economy ${i % 97} @reporter${i % 13} https://news.example.com/a/${i % 500}?utm_source=x`,
    url: null,
    lang: null,
    parentId: null,
    engagement: { likes: i % 300, shares: i % 40, comments: i % 25, views: i % 10_000 },
    attributes: {},
    producer: 'bench',
  };
}

/** Produce `count` raw events into the prefixed raw topic, as fast as the producer allows. */
export async function preloadRaw(brokers: string[], registryUrl: string, prefix: string, count: number): Promise<number> {
  const names = naming(prefix);
  const admin = kafkaAdminClient(brokers, 'bench-admin');
  await admin.connect();
  await ensureTopics(admin, names);
  await admin.disconnect();
  const serde = new AvroSerde(new RegistryClient(registryUrl), prefix);
  await serde.register(['raw']);
  const producer = new ReliableProducer({ brokers, clientId: 'bench-preload', lingerMs: 20 });
  await producer.connect();
  const started = Date.now();
  const now = Date.now();
  const chunk = 10_000;
  for (let i = 0; i < count; i += chunk) {
    const records = [];
    for (let j = i; j < Math.min(count, i + chunk); j++) {
      const e = benchEvent(j, now);
      records.push({ topic: names.topic('raw'), key: `${e.source}:${e.author.id}`, value: serde.encode('raw', e) });
    }
    await producer.send(records);
  }
  await producer.disconnect();
  return (count / (Date.now() - started)) * 1000;
}
