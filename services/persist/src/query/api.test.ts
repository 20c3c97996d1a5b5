import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { naming } from '@sluice/contracts';
import { createLogger, type StageContext } from '@sluice/runtime';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { alert, record, scoredEvent } from '../../test/fixtures';
import { persistStage, type PersistStage } from '../stage';
import { createQueryApi, type QueryApi } from './api';

/** The query API over HTTP against the real PostgreSQL, with data written by the real handler. */

const logger = createLogger('persist-api-test', 'silent');
const ctx = { logger, naming: naming('test.api'), serde: null, instance: 'test' } as unknown as StageContext;
const MIN = 60_000;
const HOUR = 60 * MIN;
// A fixed hour in the past keeps the data away from "now" defaults and from the test's own clock.
const T0 = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;

let db: TestDatabase;
let stage: PersistStage;
let api: QueryApi;
let server: Server;
let base: string;

const TOKENS = 'alice-token-123=alice,bob-token-4567=bob';

async function get(path: string, token: string | null = 'alice-token-123'): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

beforeAll(async () => {
  db = await createTestDatabase('api');
  stage = persistStage({ databaseUrl: db.url, logger });
  await stage.start!(ctx);
  api = createQueryApi({ databaseUrl: db.url, tokens: TOKENS, versions: stage.versions, cacheTtlMs: 60_000, logger, now: () => T0 + 2 * HOUR });
  const app = express();
  app.use(api.router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // 30 events over 30 minutes from T0: sources alternate, three authors, keywords and hashtags by pattern.
  const events = Array.from({ length: 30 }, (_, i) =>
    record(
      'scored',
      scoredEvent({
        id: `q-${String(i).padStart(2, '0')}`,
        source: i % 2 === 0 ? 'twitter' : 'news',
        author: `au${i % 3}`,
        occurredAt: T0 + i * MIN,
        keywords: i % 5 === 0 ? ['alpha', 'beta'] : ['beta'],
        hashtags: i < 10 ? ['early'] : ['late'],
        scores: { spam: i / 30, anomaly: i % 7, brand: i % 2 },
        likes: i,
      }),
    ),
  );
  await stage.handle(events, ctx);
  await stage.handle(
    [
      record('alerts', alert({ dedupKey: 'a1', rule: 'spike', severity: 'HIGH', firedAt: T0 + 5 * MIN }), { offset: 1 }),
      record('alerts', alert({ dedupKey: 'a2', rule: 'spike', severity: 'LOW', firedAt: T0 + 6 * MIN, source: 'news' }), { offset: 2 }),
      record('alerts', alert({ dedupKey: 'a3', rule: 'spam-wave', severity: 'CRITICAL', firedAt: T0 + 7 * MIN }), { offset: 3 }),
    ],
    ctx,
  );
  await stage.compactTrends();
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await api?.close();
  await stage?.stop!(ctx);
  await db?.drop();
});

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((e) => e.id);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `q-${String(to - 1 - i).padStart(2, '0')}`);

describe('authentication', () => {
  test('401 without a token, 403 with a wrong one, 200 with a Bearer token or an X-API-Key', async () => {
    const none = await get('/v1/events', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await get('/v1/events', 'not-a-valid-token')).status).toBe(403);
    expect((await get('/v1/events?limit=1', 'bob-token-4567')).status).toBe(200);
    const res = await fetch(`${base}/v1/events?limit=1`, { headers: { 'x-api-key': 'alice-token-123' } });
    expect(res.status).toBe(200);
  });

  test('the OpenAPI document needs no token and lists every route with its parameters', async () => {
    const { status, body } = await get('/openapi.json', null);
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(['/v1/events', '/v1/trends', '/v1/authors/top', '/v1/alerts', '/v1/alerts/counts']);
    const params = body.paths['/v1/events'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(['source', 'author', 'keyword', 'hashtag', 'from', 'to', 'minScore', 'scoreModel', 'limit', 'cursor']);
    const limit = body.paths['/v1/events'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(body.components.schemas.Event.properties.occurredAt.type).toBe('string');
  });
});

describe('GET /v1/events', () => {
  test('newest first, and every filter narrows the result', async () => {
    expect(ids((await get('/v1/events?limit=100')).body)).toEqual(range(0, 30));
    expect(ids((await get('/v1/events?source=news&limit=100')).body)).toEqual(range(0, 30).filter((id) => Number(id.slice(2)) % 2 === 1));
    expect(ids((await get('/v1/events?author=au1&limit=100')).body)).toEqual(range(0, 30).filter((id) => Number(id.slice(2)) % 3 === 1));
    expect(ids((await get('/v1/events?keyword=alpha')).body)).toEqual(['q-25', 'q-20', 'q-15', 'q-10', 'q-05', 'q-00']);
    expect(ids((await get('/v1/events?hashtag=early')).body)).toEqual(range(0, 10));
    const from = new Date(T0 + 10 * MIN).toISOString();
    expect(ids((await get(`/v1/events?from=${from}&to=${T0 + 13 * MIN}`)).body)).toEqual(['q-12', 'q-11', 'q-10']);
    expect(ids((await get('/v1/events?minScore=0.9&scoreModel=spam')).body)).toEqual(['q-29', 'q-28', 'q-27']);
    // The default model is anomaly (i % 7 here); other models are read from the scores document.
    expect(ids((await get('/v1/events?minScore=6&limit=100')).body)).toEqual(['q-27', 'q-20', 'q-13', 'q-06']);
    expect(ids((await get('/v1/events?minScore=1&scoreModel=brand&source=twitter')).body)).toEqual([]);
    expect(ids((await get('/v1/events?source=news&keyword=alpha&hashtag=late&author=au1')).body)).toEqual(['q-25']);
  });

  test('an event comes back whole', async () => {
    const { body } = await get('/v1/events?author=au0&limit=1');
    expect(body.items[0]).toMatchObject({
      id: 'q-27',
      source: 'news',
      kind: 'POST',
      occurredAt: new Date(T0 + 27 * MIN).toISOString(),
      author: { id: 'au0', handle: 'handle-au0' },
      engagement: { likes: 27, shares: 1, comments: 2, views: 100 },
      keywords: ['beta'],
      hashtags: ['late'],
      attributes: { campaign: 'c1' },
      processingVersion: 'score-1.0.0',
      enrichmentVersion: 'enrich-1.0.0',
    });
    expect(body.items[0].scores.anomaly).toMatchObject({ score: 6, version: '1' });
  });

  test('cursor pagination walks every event exactly once, and a cursor is bound to its filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await get(`/v1/events?source=twitter&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(range(0, 30).filter((id) => Number(id.slice(2)) % 2 === 0));

    const first = await get('/v1/events?source=twitter&limit=4');
    const other = await get(`/v1/events?source=news&limit=4&cursor=${first.body.nextCursor}`);
    expect(other.status).toBe(400);
    expect(other.body.problems[0]).toMatchObject({ parameter: 'cursor' });
    expect(other.body.message).toMatch(/cursor: the cursor belongs to a query with other filters/);
    const garbage = await get('/v1/events?cursor=garbage');
    expect(garbage.status).toBe(400);
    expect(garbage.body.message).toMatch(/cursor: expected a cursor returned by this API/);
  });

  test('400s name the parameter, what was expected and what came', async () => {
    const cases: Array<[string, RegExp]> = [
      ['limit=abc', /^limit: expected an integer from 1 to 500, got "abc"$/],
      ['limit=0', /^limit: expected an integer from 1 to 500, got "0"$/],
      ['from=yesterday', /^from: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, or epoch milliseconds, got "yesterday"$/],
      ['minScore=high', /^minScore: expected a number, got "high"$/],
      ['scoreModel=a%20b', /^scoreModel: expected a model name/],
      ['keywrod=x', /^keywrod: unknown parameter; expected one of source, author, keyword/],
      ['source=a&source=b', /^source: given 2 times; expected a single value$/],
      ['source=', /^source: expected a value, got an empty one$/],
      [`from=${T0 + HOUR}&to=${T0}`, /^to: expected a time after from$/],
    ];
    for (const [qs, message] of cases) {
      const { status, body } = await get(`/v1/events?${qs}`);
      expect({ qs, status }).toEqual({ qs, status: 400 });
      expect(body.error).toBe('invalid_request');
      expect(body.message).toMatch(message);
    }
    expect((await get('/v1/nothing')).status).toBe(404);
  });
});

describe('aggregates', () => {
  test('trends per minute and per hour, per source, with the previous window', async () => {
    const from = T0;
    const to = T0 + 30 * MIN;
    const minute = await get(`/v1/trends?from=${from}&to=${to}&limit=2`);
    expect(minute.status).toBe(200);
    expect(minute.body.terms.map((t: { term: string; count: number }) => [t.term, t.count])).toEqual([
      ['beta', 30],
      ['alpha', 6],
    ]);
    expect(minute.body.terms[1].series).toEqual([0, 5, 10, 15, 20, 25].map((i) => ({ bucket: new Date(T0 + i * MIN).toISOString(), count: 1 })));
    expect(minute.body.terms[0].previous).toBe(0);
    // The second half of the window against the first.
    const later = await get(`/v1/trends?kind=hashtag&from=${T0 + 10 * MIN}&to=${T0 + 20 * MIN}`);
    expect(later.body.terms).toEqual([{ term: 'late', count: 10, previous: 0, series: expect.any(Array) }]);
    const late2 = await get(`/v1/trends?kind=hashtag&from=${T0 + 20 * MIN}&to=${T0 + 30 * MIN}`);
    expect(late2.body.terms[0]).toMatchObject({ term: 'late', count: 10, previous: 10 });

    const hour = await get(`/v1/trends?interval=hour&source=twitter&kind=hashtag&from=${T0}&to=${T0 + HOUR}`);
    expect(hour.body).toMatchObject({ interval: 'hour', source: 'twitter', from: new Date(T0).toISOString(), to: new Date(T0 + HOUR).toISOString() });
    expect(hour.body.terms.map((t: { term: string; count: number }) => [t.term, t.count])).toEqual([
      ['late', 10],
      ['early', 5],
    ]);
    // Defaults: the hour up to the end of the current minute ("now" is T0 + 2h here).
    const defaults = await get('/v1/trends');
    expect(defaults.body).toMatchObject({ from: new Date(T0 + HOUR + MIN).toISOString(), to: new Date(T0 + 2 * HOUR + MIN).toISOString(), terms: [] });
    const wide = await get('/v1/trends?interval=minute&from=2020-01-01&to=2020-01-03');
    expect(wide.status).toBe(400);
    expect(wide.body.message).toMatch(/^from: the window from\.\.to may span at most 1440 minutes/);
  });

  test('top authors by engagement, events or likes, per source', async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const top = await get(`/v1/authors/top?from=${day}&limit=3`);
    expect(top.status).toBe(200);
    // news authors: odd i; likes = i, shares 1, comments 2 per event.
    const expected = (source: string, author: number) => {
      const is = Array.from({ length: 30 }, (_, i) => i).filter((i) => (source === 'twitter' ? i % 2 === 0 : i % 2 === 1) && i % 3 === author);
      return { source, authorId: `au${author}`, events: is.length, likes: is.reduce((s, i) => s + i, 0), engagement: is.reduce((s, i) => s + i + 3, 0) };
    };
    const all = ['twitter', 'news'].flatMap((s) => [0, 1, 2].map((a) => expected(s, a))).sort((a, b) => b.engagement - a.engagement || a.source.localeCompare(b.source) || a.authorId.localeCompare(b.authorId));
    expect(top.body.authors.map((a: Record<string, unknown>) => ({ source: a.source, authorId: a.authorId, events: a.events, likes: a.likes, engagement: a.engagement }))).toEqual(all.slice(0, 3));
    const news = await get(`/v1/authors/top?from=${day}&source=news&by=events`);
    expect(news.body.authors.every((a: { source: string }) => a.source === 'news')).toBe(true);
    expect(news.body.authors.map((a: { events: number }) => a.events)).toEqual([5, 5, 5]);
  });

  test('alerts filtered by rule, severity, source and time, paginated; counts by rule', async () => {
    const dk = (body: { items: Array<{ dedupKey: string }> }) => body.items.map((a) => a.dedupKey);
    expect(dk((await get('/v1/alerts')).body)).toEqual(['a3', 'a2', 'a1']);
    expect(dk((await get('/v1/alerts?rule=spike')).body)).toEqual(['a2', 'a1']);
    expect(dk((await get('/v1/alerts?severity=LOW')).body)).toEqual(['a2']);
    expect(dk((await get('/v1/alerts?minSeverity=HIGH')).body)).toEqual(['a3', 'a1']);
    expect(dk((await get('/v1/alerts?source=news')).body)).toEqual(['a2']);
    expect(dk((await get(`/v1/alerts?from=${T0 + 6 * MIN}&to=${T0 + 7 * MIN}`)).body)).toEqual(['a2']);
    const page1 = await get('/v1/alerts?limit=2');
    expect(dk(page1.body)).toEqual(['a3', 'a2']);
    const page2 = await get(`/v1/alerts?limit=2&cursor=${page1.body.nextCursor}`);
    expect(dk(page2.body)).toEqual(['a1']);
    expect(page2.body.nextCursor).toBeNull();
    expect(page1.body.items[0]).toMatchObject({ rule: 'spam-wave', severity: 'CRITICAL', entity: { type: 'keyword', value: 'hello' }, evidence: { eventIds: ['e1'], figures: { count: 10 } } });
    expect((await get('/v1/alerts?severity=URGENT')).body.message).toMatch(/^severity: expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL, got "URGENT"$/);

    const counts = await get(`/v1/alerts/counts?from=${T0}&to=${T0 + HOUR}`);
    expect(counts.body.rules).toEqual([
      { rule: 'spike', count: 2, bySeverity: { HIGH: 1, LOW: 1 } },
      { rule: 'spam-wave', count: 1, bySeverity: { CRITICAL: 1 } },
    ]);
  });
});

describe('the aggregate cache', () => {
  test('serves repeats from cache, per caller and per query, and a write invalidates it', async () => {
    const q = `/v1/trends?kind=keyword&source=news&from=${T0}&to=${T0 + HOUR}`;
    const first = await get(q);
    expect(first.headers.get('x-cache')).toBe('miss');
    const again = await get(q);
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(again.body).toEqual(first.body);
    // Another caller and another query never get this entry.
    expect((await get(q, 'bob-token-4567')).headers.get('x-cache')).toBe('miss');
    const otherQuery = await get(`/v1/trends?kind=keyword&source=twitter&from=${T0}&to=${T0 + HOUR}`);
    expect(otherQuery.headers.get('x-cache')).toBe('miss');
    expect(otherQuery.body.source).toBe('twitter');
    // Equivalent spellings of the same window normalise to one entry.
    expect((await get(`/v1/trends?source=news&from=${new Date(T0 + 1).toISOString()}&to=${T0 + HOUR}`)).headers.get('x-cache')).toBe('hit');

    // Trend counters change when pending deltas are folded in. A change for twitter leaves the news entry valid …
    await stage.handle([record('scored', scoredEvent({ id: 'cache-tw', source: 'twitter', occurredAt: T0 + 40 * MIN, keywords: ['gamma'] }))], ctx);
    await stage.compactTrends();
    expect((await get(q)).headers.get('x-cache')).toBe('hit');
    // … a change for news invalidates it, and the answer shows the new event.
    await stage.handle([record('scored', scoredEvent({ id: 'cache-news', source: 'news', occurredAt: T0 + 40 * MIN, keywords: ['gamma'] }))], ctx);
    await stage.compactTrends();
    const fresh = await get(q);
    expect(fresh.headers.get('x-cache')).toBe('miss');
    expect(fresh.body.terms.find((t: { term: string }) => t.term === 'gamma')).toMatchObject({ count: 1 });
    // A redelivery changes no row, so it invalidates nothing.
    await stage.handle([record('scored', scoredEvent({ id: 'cache-news', source: 'news', occurredAt: T0 + 40 * MIN, keywords: ['gamma'] }))], ctx);
    await stage.compactTrends();
    expect((await get(q)).headers.get('x-cache')).toBe('hit');
    // Top authors are counted with the rows: a new news event invalidates the news entry at once.
    const authors = `/v1/authors/top?source=news&from=${T0}`;
    expect((await get(authors)).headers.get('x-cache')).toBe('miss');
    expect((await get(authors)).headers.get('x-cache')).toBe('hit');
    await stage.handle([record('scored', scoredEvent({ id: 'cache-news-2', source: 'news', occurredAt: T0 + 41 * MIN }))], ctx);
    expect((await get(authors)).headers.get('x-cache')).toBe('miss');
  });
});
