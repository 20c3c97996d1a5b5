import { parseAnalystTokens } from '@sluice/runtime';
import { parseTokens } from './auth';
import { QueryCache } from './cache';
import { CursorError, decodeCursor, encodeCursor, filterDigest } from './cursor';
import { parseTime } from './schemas';

describe('QueryCache', () => {
  test('hits within the TTL, reloads after it, and evicts the least recently used', async () => {
    let now = 0;
    const cache = new QueryCache(100, 2, () => now);
    let loads = 0;
    const load = (v: string) => async () => {
      loads++;
      return v;
    };
    expect(await cache.getOrLoad('a', load('A'))).toEqual({ value: 'A', hit: false });
    expect(await cache.getOrLoad('a', load('other'))).toEqual({ value: 'A', hit: true });
    now = 150;
    expect(await cache.getOrLoad('a', load('A2'))).toEqual({ value: 'A2', hit: false });
    await cache.getOrLoad('b', load('B'));
    await cache.getOrLoad('a', load('x')); // a is now the most recent
    await cache.getOrLoad('c', load('C')); // evicts b
    expect(cache.size).toBe(2);
    expect((await cache.getOrLoad('b', load('B2'))).hit).toBe(false);
    expect(loads).toBe(5);
  });

  test('a miss drops the expired entries instead of keeping them until the bound', async () => {
    let now = 0;
    const cache = new QueryCache(100, 1000, () => now);
    for (let i = 0; i < 50; i++) await cache.getOrLoad(`old-${i}`, async () => i);
    expect(cache.size).toBe(50);
    now = 150;
    await cache.getOrLoad('fresh', async () => 'f');
    expect(cache.size).toBe(1);
    expect(await cache.getOrLoad('fresh', async () => 'other')).toEqual({ value: 'f', hit: true });
  });

  test('concurrent misses share one load; a failed load is not cached', async () => {
    const cache = new QueryCache(1000, 10);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async () => {
      loads++;
      await gate;
      return 'v';
    };
    const both = Promise.all([cache.getOrLoad('k', slow), cache.getOrLoad('k', slow)]);
    release();
    expect((await both).map((r) => r.value)).toEqual(['v', 'v']);
    expect(loads).toBe(1);
    await expect(cache.getOrLoad('bad', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.getOrLoad('bad', async () => 'ok')).toEqual({ value: 'ok', hit: false });
  });
});

describe('tokens', () => {
  test("name:token pairs (notify's format) keep their names, as do older token=name pairs; plain tokens get numbered names", () => {
    const t = parseTokens('first-token-1, second-token=ops, dashboards:third-token, alice:b64+token/x==');
    expect([...t.values()].map((p) => p.name)).toEqual(['token-1', 'ops', 'dashboards', 'alice']);
    expect(parseTokens(undefined).size).toBe(0);
    // The same value serves notify and persist.
    const shared = 'analyst:0123456789abcdef-shared';
    expect([...parseTokens(shared).values()]).toEqual(parseAnalystTokens(shared, 'NOTIFY_TOKENS', 16).map(({ name }) => ({ name })));
  });

  test('a short token or a bad name is refused naming its position, never echoing the token', () => {
    expect(() => parseTokens('long-enough-token,short')).toThrow('PERSIST_API_TOKENS entry 2 (token-2): token must be at least 8 characters');
    expect(() => parseTokens('bob:short')).toThrow('PERSIST_API_TOKENS entry 1 (bob): token must be at least 8 characters');
    expect(() => parseTokens('long-enough-token=')).toThrow('PERSIST_API_TOKENS entry 1: expected a name after "=" (or write it as name:token)');
    expect(() => parseTokens('a b:long-enough-token')).toThrow('PERSIST_API_TOKENS entry 1: the part before ":" must be a name of 1-64 letters, digits or _.@- (expected name:token)');
  });
});

describe('cursors and times', () => {
  test('a cursor round-trips with its filters and is refused with others', () => {
    const d = filterDigest({ source: 'a', author: undefined });
    const c = encodeCursor({ t: 123, k: 'id-1' }, d);
    expect(decodeCursor(c, d)).toEqual({ t: 123, k: 'id-1' });
    expect(() => decodeCursor(c, filterDigest({ source: 'b' }))).toThrow(CursorError);
    expect(() => decodeCursor('%%%', d)).toThrow(/expected a cursor returned by this API/);
  });

  test('times are ISO 8601 (UTC when no zone is given) or epoch milliseconds', () => {
    expect(parseTime('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTime('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTime('2024-05-01T12:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTime('2024-05-01T12:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseTime('yesterday')).toBeNull();
    expect(parseTime('2024-13-45')).toBeNull();
  });
});
