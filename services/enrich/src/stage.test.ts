import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnrichedEvent, RawEvent } from '@sluice/contracts';
import type { InRecord } from '@sluice/runtime';
import { createEnrichHandler, enrichStage } from './stage';
import { LookupError, type Enricher } from './lookups';
import { ENRICHMENT_VERSION } from './version';

const NOW = Date.parse('2025-06-01T12:00:00Z');

let offset = 0;
function record(overrides: Partial<RawEvent> = {}, meta: Partial<InRecord<RawEvent>> = {}): InRecord<RawEvent> {
  offset++;
  const value: RawEvent = {
    id: `evt-${offset}`,
    source: 'twitter',
    kind: 'POST',
    occurredAt: NOW - 60_000,
    receivedAt: NOW - 1000,
    author: { id: `a${offset % 3}`, handle: null, followers: null, verified: false },
    text: `post number ${offset} about the weather today`,
    url: null,
    lang: null,
    parentId: null,
    engagement: null,
    attributes: {},
    producer: null,
    ...overrides,
  };
  return { topic: 'raw', topicKey: 'raw', partition: 0, offset, timestamp: NOW - 500, key: null, headers: {}, value, raw: null, ...meta };
}

const silent = { outcome: () => undefined, circuit: () => undefined };

describe('enrich handler', () => {
  test('valid events become EnrichedEvents keyed source:authorId, with every field filled', async () => {
    const handle = createEnrichHandler({ now: () => NOW }, { observer: silent });
    const r = record({ source: 'telegram', author: { id: 'chan42' }, text: 'أعلنت وزارة الصحة عن حملة تطعيم جديدة #صحة https://moh.example/x?utm_source=tg' });
    const out = await handle([r]);
    expect(out.reject).toEqual([]);
    expect(out.produce).toHaveLength(1);
    const p = out.produce![0];
    expect(p).toMatchObject({ topic: 'enriched', key: 'telegram:chan42', from: r });
    const value = p.value as EnrichedEvent;
    expect(value.event).toBe(r.value); // the raw event, unchanged
    expect(value.enrichment).toEqual({
      normalizedText: 'أعلنت وزارة الصحة عن حملة تطعيم جديدة #صحة https://moh.example/x?utm_source=tg',
      matchText: 'اعلنت وزاره الصحه عن حمله تطعيم جديده #صحه https://moh.example/x?utm_source=tg',
      language: 'ar',
      hashtags: ['صحه'],
      mentions: [],
      cashtags: [],
      urls: ['https://moh.example/x'],
      keywords: ['اعلنت', 'وزاره', 'الصحه', 'حمله', 'تطعيم', 'جديده', 'صحه'],
      exactDuplicate: false,
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      lookups: {},
      missing: [],
      version: ENRICHMENT_VERSION,
      enrichedAt: NOW,
    });
  });

  test('invalid events are rejected with reasons naming the field; the rest of the batch flows', async () => {
    const handle = createEnrichHandler({ now: () => NOW, limits: { maxAgeMs: 86_400_000, maxSkewMs: 60_000, maxTextChars: 100 } }, { observer: silent });
    const good1 = record();
    const future = record({ occurredAt: NOW + 3_600_000 });
    const badSource = record({ source: 'Not A Token', url: 'nope' });
    const good2 = record();
    const out = await handle([good1, future, badSource, good2]);
    expect(out.produce!.map((p) => p.from)).toEqual([good1, good2]);
    expect(out.reject!.map((r) => r.record)).toEqual([future, badSource]);
    expect(out.reject![0]).toMatchObject({ errorType: 'validation' });
    expect(out.reject![0].reason).toMatch(/^field "occurredAt": .* expected at most 1 min in the future \(ENRICH_MAX_SKEW_MS\)$/);
    expect(out.reject![1].reason).toMatch(/field "source".*; field "url"/);
  });

  test('timestamps are checked against the Kafka timestamp, so a replay a month later validates the same', async () => {
    const monthLater = NOW + 30 * 86_400_000;
    const handle = createEnrichHandler({ now: () => monthLater, limits: { maxAgeMs: 86_400_000, maxSkewMs: 60_000, maxTextChars: 1000 } }, { observer: silent });
    const out = await handle([record()]);
    expect(out.reject).toEqual([]);
  });

  test('exact duplicates: same id, or same content under another id, within the window', async () => {
    const handle = createEnrichHandler({ now: () => NOW }, { observer: silent });
    const first = record({ id: 'x1', text: 'Breaking: the bridge is closed' });
    const sameId = record({ id: 'x1', text: 'something else entirely here' });
    const sameContent = record({ id: 'x2', text: 'BREAKING — the bridge is closed!!' });
    const other = record({ id: 'x3', text: 'The bridge is open again' });
    const out = await handle([first, sameId, sameContent, other]);
    expect(out.produce!.map((p) => (p.value as EnrichedEvent).enrichment.exactDuplicate)).toEqual([false, true, true, false]);
    // The same Kafka record again (a redelivery) is not a duplicate of itself.
    const again = await handle([first]);
    expect((again.produce![0].value as EnrichedEvent).enrichment.exactDuplicate).toBe(false);
  });

  test('lookups fill enrichment.lookups; failures land in enrichment.missing with their reason', async () => {
    const profiles: Enricher = {
      name: 'authorProfile',
      keyOf: (input) => `${input.event.source}:${input.event.author.id}`,
      async lookup(key) {
        if (key.endsWith(':ghost')) throw new LookupError('http-404', false);
        return { key, score: 0.5 };
      },
    };
    const stalled: Enricher = { name: 'stalled', keyOf: (input) => input.urls[0] ?? null, lookup: () => new Promise(() => undefined) };
    const handle = createEnrichHandler({ now: () => NOW, resilience: { timeoutMs: 50, failureThreshold: 100 } }, { enrichers: [profiles, stalled], observer: silent });
    const withUrl = record({ author: { id: 'known' }, text: 'see https://example.com/a' });
    const ghost = record({ author: { id: 'ghost' }, text: 'no links here' });
    const out = await handle([withUrl, ghost]);
    const [e1, e2] = out.produce!.map((p) => (p.value as EnrichedEvent).enrichment);
    expect(e1.lookups).toEqual({ authorProfile: '{"key":"twitter:known","score":0.5}' });
    expect(e1.missing).toEqual([{ enricher: 'stalled', reason: 'timeout' }]);
    // No URL: the stalled enricher had nothing to do, so it is not missing.
    expect(e2.lookups).toEqual({});
    expect(e2.missing).toEqual([{ enricher: 'authorProfile', reason: 'http-404' }]);
  });

  test('a link metrics service that is down: events flow with the enrichment marked missing', async () => {
    const s = http.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const handle = createEnrichHandler({ now: () => NOW, linkMetricsUrl: `http://127.0.0.1:${port}/m`, lookupConcurrency: 1, resilience: { failureThreshold: 2 } }, { observer: silent });
    const batch = Array.from({ length: 6 }, (_, i) => record({ text: `read https://news.example/${i}` }));
    const out = await handle(batch);
    expect(out.produce).toHaveLength(6);
    const reasons = out.produce!.map((p) => (p.value as EnrichedEvent).enrichment.missing!.map((m) => `${m.enricher}:${m.reason}`).join());
    expect(new Set(reasons)).toEqual(new Set(['linkMetrics:unreachable', 'linkMetrics:circuit-open']));
    expect(handle.enrichers[0].breaker.state).toBe('open');
  });

  test('enrichStage is the StageDefinition for raw → enriched', () => {
    const def = enrichStage({}, { observer: silent });
    expect(def).toMatchObject({ stage: 'enrich', inputs: ['raw'], outputs: ['enriched'] });
    expect(typeof def.handle).toBe('function');
  });
});
