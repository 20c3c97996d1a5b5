import { persistMetrics } from '../db/metrics';

/**
 * Version counters of the data behind cached queries ("trends.minute", "trends.minute:<source>",
 * "trends.hour" …, "authors", "authors:<source>", "alerts"). A write
 * bumps the versions it touched; a cache key embeds the versions its query depends on, so a bump makes
 * every older entry unreachable at once without scanning the cache.
 */
export class CacheVersions {
  private readonly versions = new Map<string, number>();

  get(name: string): number {
    return this.versions.get(name) ?? 0;
  }

  bump(names: string[]): void {
    for (const n of names) this.versions.set(n, this.get(n) + 1);
  }
}

interface Entry {
  expires: number;
  value?: unknown;
  loading?: Promise<unknown>;
}

/**
 * Read-through cache with a short TTL and a bounded number of entries (least recently used out).
 * Concurrent misses on one key share one load. A failed load is not cached. Every write makes the
 * keys of what it touched new (CacheVersions), so expired entries are dropped on each miss rather
 * than left holding memory until the bound pushes them out.
 */
export class QueryCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async getOrLoad<T>(key: string, load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    if (this.ttlMs <= 0) return { value: await load(), hit: false };
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) {
      // Refresh the recency order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (entry.loading) {
        persistMetrics.cache.inc({ result: 'shared' });
        return { value: (await entry.loading) as T, hit: true };
      }
      persistMetrics.cache.inc({ result: 'hit' });
      return { value: entry.value as T, hit: true };
    }
    persistMetrics.cache.inc({ result: 'miss' });
    this.dropExpired();
    const fresh: Entry = { expires: Infinity };
    fresh.loading = load().then(
      (value) => {
        fresh.value = value;
        fresh.loading = undefined;
        fresh.expires = this.now() + this.ttlMs;
        return value;
      },
      (err) => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.delete(key);
    this.entries.set(key, fresh);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return { value: (await fresh.loading) as T, hit: false };
  }

  /** Drops expired entries from the least recently used end, up to the first one still fresh (cheap per miss). */
  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) return;
      this.entries.delete(key);
    }
  }
}
