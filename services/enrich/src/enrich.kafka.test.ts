import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeadLetter, EnrichedEvent } from '@sluice/contracts';
import { createLogger, startStage } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, produce, provision, rawEvent, readTopic, uniquePrefix } from '../../../test/support/kafka';
import { ENRICHMENT_VERSION, enrichStage } from '.';

const logger = createLogger('enrich-test', 'warn');

describe('enrich stage against the real broker and registry', () => {
  let metricsServer: http.Server;
  let metricsUrl: string;

  beforeAll(async () => {
    // A real HTTP link metrics service for the one shipped enricher.
    metricsServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost').searchParams.get('url');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url, shares: 7 }));
    });
    await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
  });

  afterAll(async () => {
    metricsServer.closeAllConnections();
    await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  });

  test('raw → enriched with every field filled; a poison record and an invalid one are dead-lettered while the rest flow', async () => {
    const prefix = uniquePrefix('enrich');
    const { names, serde } = await provision(prefix);
    const now = Date.now();
    const arabic = rawEvent({ source: 'telegram', author: { id: 'chan1' }, text: 'أعلنت وزارة الصحة عن حملة تطعيم جديدة في جميع المحافظات #الصحة' });
    const english = rawEvent({ source: 'twitter', author: { id: 'u9' }, text: 'Breaking: the bridge is closed after the storm @CityNews https://news.example/bridge?utm_source=tw' });
    const copy = rawEvent({ source: 'twitter', author: { id: 'u10' }, text: 'BREAKING — the bridge is closed after the storm!! @CityNews https://news.example/bridge' });
    const future = rawEvent({ source: 'twitter', author: { id: 'u9' }, occurredAt: now + 86_400_000 });
    const poison = Buffer.from('definitely not Avro');
    const mixed = rawEvent({ source: 'news', author: { id: 'desk' }, kind: 'NEWS', text: 'عاجل 🔴 $AAPL shares jump after the launch event #Apple', url: 'https://www.Example.com:443/a?id=1&fbclid=x' });
    const key = (e: { source: string; author: { id: string } }) => `${e.source}:${e.author.id}`;
    await produce([
      { topic: names.topic('raw'), key: key(arabic), value: serde.encode('raw', arabic) },
      { topic: names.topic('raw'), key: key(english), value: serde.encode('raw', english) },
      { topic: names.topic('raw'), key: key(english), value: poison },
      { topic: names.topic('raw'), key: key(future), value: serde.encode('raw', future) },
      // Same partition as the original, so the original is seen first.
      { topic: names.topic('raw'), key: key(english), value: serde.encode('raw', copy) },
      { topic: names.topic('raw'), key: key(mixed), value: serde.encode('raw', mixed) },
    ]);

    const stage = await startStage(enrichStage({ linkMetricsUrl: metricsUrl }), { brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, logger, lagIntervalMs: 0, batchWaitMs: 5 });
    try {
      const out = await readTopic(names.topic('enriched'), 4);
      expect(out).toHaveLength(4);
      const byId = new Map<string, { key: string; value: EnrichedEvent }>();
      for (const r of out) {
        const value = await serde.decode<EnrichedEvent>('enriched', r.value);
        byId.set(value.event.id, { key: r.key!.toString(), value });
      }
      expect([...byId.keys()].sort()).toEqual([arabic.id, english.id, copy.id, mixed.id].sort());

      const ar = byId.get(arabic.id)!;
      expect(ar.key).toBe('telegram:chan1');
      expect(ar.value.event.text).toBe(arabic.text); // original text kept
      expect(ar.value.enrichment).toMatchObject({
        matchText: 'اعلنت وزاره الصحه عن حمله تطعيم جديده في جميع المحافظات #الصحه',
        language: 'ar',
        hashtags: ['الصحه'],
        keywords: ['اعلنت', 'وزاره', 'الصحه', 'حمله', 'تطعيم', 'جديده', 'المحافظات'],
        exactDuplicate: false,
        lookups: {},
        missing: [],
        version: ENRICHMENT_VERSION,
      });
      expect(ar.value.enrichment.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(ar.value.enrichment.enrichedAt).toBeGreaterThanOrEqual(now);

      const en = byId.get(english.id)!.value.enrichment;
      expect(en).toMatchObject({ language: 'en', mentions: ['citynews'], urls: ['https://news.example/bridge'], exactDuplicate: false });
      expect(JSON.parse(en.lookups!.linkMetrics)).toEqual({ url: 'https://news.example/bridge', shares: 7 });

      // The copy-paste repost under another id and author is an exact duplicate with the same fingerprint.
      const cp = byId.get(copy.id)!.value.enrichment;
      expect(cp.exactDuplicate).toBe(true);
      expect(cp.fingerprint).toBe(en.fingerprint);

      const mx = byId.get(mixed.id)!.value.enrichment;
      expect(mx).toMatchObject({ cashtags: ['AAPL'], hashtags: ['apple'], urls: ['https://www.example.com/a?id=1'] });
      expect(byId.get(mixed.id)!.key).toBe('news:desk');

      const dead = await readTopic(names.topic('dlq'), 2);
      const letters = await Promise.all(dead.map((r) => serde.decode<DeadLetter>('dlq', r.value)));
      letters.sort((a, b) => a.sourceOffset - b.sourceOffset);
      expect(letters).toHaveLength(2);
      expect(letters[0]).toMatchObject({ stage: 'enrich', errorType: 'decode', sourceTopic: names.topic('raw') });
      expect(Buffer.compare(letters[0].value as Buffer, poison)).toBe(0);
      expect(letters[1]).toMatchObject({ stage: 'enrich', errorType: 'validation' });
      expect(letters[1].reason).toMatch(/^field "occurredAt": .* expected at most 5 min in the future \(ENRICH_MAX_SKEW_MS\)$/);
    } finally {
      await stage.stop();
    }
  });
});
