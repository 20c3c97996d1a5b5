import type { Clock } from './types';

export interface RetryBudgetOptions {
  /** Retries allowed as a share of first attempts (0.2 = one retry per five calls). */
  ratio: number;
  /** Retries allowed per second regardless of traffic, so a quiet enricher can still retry. */
  minPerSecond: number;
  now?: Clock;
}

/**
 * A token bucket for retries, as in Finagle and gRPC: every call deposits `ratio` tokens, a retry
 * spends one. When a dependency fails, retries stay a bounded fraction of the traffic instead of
 * multiplying it.
 */
export class RetryBudget {
  private tokens: number;
  private readonly max: number;
  private lastRefill: number;
  private readonly now: Clock;

  constructor(private readonly options: RetryBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.max = Math.max(1, options.minPerSecond * 10, options.ratio * 100);
    this.tokens = Math.max(1, options.minPerSecond);
    this.lastRefill = this.now();
  }

  /** Called for every first attempt. */
  deposit(): void {
    this.tokens = Math.min(this.max, this.tokens + this.options.ratio);
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryWithdraw(): boolean {
    const now = this.now();
    const elapsed = (now - this.lastRefill) / 1000;
    if (elapsed > 0) {
      this.tokens = Math.min(this.max, this.tokens + elapsed * this.options.minPerSecond);
      this.lastRefill = now;
    }
    // Deposits are fractional: allow for floating-point error (ten deposits of 0.1 are one token).
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }
}
