interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets, one per API key, counted in events: a key may send `ratePerSecond` events per second
 * on average and `burst` at once. A request either takes all its events' tokens or none.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {}

  /** Takes `events` tokens for `key`: 0 when allowed, else the seconds until they would be available. */
  take(key: string, events: number, now = Date.now()): number {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: this.burst, updatedAt: now }));
    else if (now > b.updatedAt) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.updatedAt) / 1000) * this.ratePerSecond);
      b.updatedAt = now;
    }
    if (b.tokens >= events) {
      b.tokens -= events;
      return 0;
    }
    return (Math.min(events, this.burst) - b.tokens) / this.ratePerSecond;
  }
}
