/**
 * When and how long to wait before sending again. Pure logic (clock and randomness are passed in), so
 * the policy is unit-tested without I/O.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry's delay; doubles with each attempt. */
  baseDelayMs: number;
  /** Largest exponential ceiling. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 100, maxDelayMs: 20_000 };

/**
 * "Full jitter" exponential backoff: uniform in [0, min(max, base·2^retry)). Spreading retries over the
 * whole interval keeps many clients that failed together from coming back together.
 */
export function fullJitterMs(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(Math.max(0, retry), 30));
  return Math.floor(random() * ceiling);
}

/**
 * Delay before retry number `retry` (0 for the first retry). A server's Retry-After is a floor, never
 * shortened; the jittered backoff is added on top of it, so clients told "in 2 s" do not all return at
 * 2 s. The spread above a Retry-After is at most the Retry-After itself: the server said when, and an
 * exponential spread on top would only leave its capacity unused.
 */
export function retryDelayMs(retry: number, retryAfterMs: number | undefined, options: BackoffOptions, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) {
    return retryAfterMs + fullJitterMs(retry, { ...options, maxDelayMs: Math.min(options.maxDelayMs, retryAfterMs) }, random);
  }
  return fullJitterMs(retry, options, random);
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent
 * or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface RetryBudgetOptions {
  /** Retries earned by each first attempt (0.2: retries may add at most 20 % to the load, long-run). */
  ratio: number;
  /** Retries always allowed per second, so a client that sends rarely can still retry. */
  minPerSecond: number;
  /** Most retries that can be saved up. */
  capacity: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = { ratio: 0.2, minPerSecond: 5, capacity: 50 };

/**
 * A retry budget (after Finagle's): a token bucket that first attempts and time fill and every retry
 * drains. When the server stays down, retries stop once the budget is spent instead of multiplying the
 * load on it; events whose retry is refused fail with the reason.
 */
export class RetryBudget {
  private balance: number;
  private refilledAt: number;

  constructor(
    readonly options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.ratio >= 0) || !(options.minPerSecond >= 0) || !(options.capacity >= 1)) {
      throw new Error(`retryBudget: expected ratio >= 0, minPerSecond >= 0 and capacity >= 1, got ${JSON.stringify(options)}`);
    }
    this.balance = options.capacity;
    this.refilledAt = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.refilledAt) {
      this.balance = Math.min(this.options.capacity, this.balance + ((t - this.refilledAt) / 1000) * this.options.minPerSecond);
      this.refilledAt = t;
    }
  }

  /** A first attempt was made: it earns `ratio` of a retry. */
  deposit(requests = 1): void {
    this.refill();
    this.balance = Math.min(this.options.capacity, this.balance + requests * this.options.ratio);
  }

  /** Takes one retry from the budget; false when none is left. */
  tryWithdraw(): boolean {
    this.refill();
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }

  get available(): number {
    this.refill();
    return this.balance;
  }
}

/**
 * How many requests may be in flight: halves when the server signals overload (429/503), grows by one
 * per success up to the configured maximum (additive increase, multiplicative decrease). A throttled
 * client thereby probes with one request instead of sending every queued batch into a wall of 429s.
 */
export class ConcurrencyLimit {
  private current: number;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`maxInFlight: expected an integer of at least 1, got ${max}`);
    this.current = max;
  }

  get limit(): number {
    return Math.floor(this.current);
  }

  onOverload(): void {
    this.current = Math.max(1, this.current / 2);
  }

  onSuccess(): void {
    this.current = Math.min(this.max, this.current + 1);
  }
}
