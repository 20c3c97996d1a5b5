import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import { RetryBudget } from './retry-budget';
import { LookupError, type Clock, type Enricher, type LookupInput, type LookupOutcome } from './types';

export interface ResilienceOptions {
  /** Hard limit on one lookup, retries included: the caller has its answer by then. */
  timeoutMs: number;
  /** Retries after the first attempt, when time and the retry budget allow. */
  maxRetries: number;
  /** Retries as a share of calls, and a floor per second (see RetryBudget). */
  retryRatio: number;
  retryMinPerSecond: number;
  /** Pause before a retry. */
  retryBackoffMs: number;
  failureThreshold: number;
  openMs: number;
  halfOpenMaxCalls: number;
  /** Answers are cached per key this long; 0 turns the cache off. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /** Longest JSON text kept in enrichment.lookups. */
  maxResultChars: number;
  /** Clock of the circuit, budget and cache (timeouts use real timers). */
  now?: Clock;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  timeoutMs: 500,
  maxRetries: 1,
  retryRatio: 0.2,
  retryMinPerSecond: 5,
  retryBackoffMs: 25,
  failureThreshold: 5,
  openMs: 10_000,
  halfOpenMaxCalls: 1,
  cacheTtlMs: 300_000,
  cacheMaxEntries: 10_000,
  maxResultChars: 8192,
};

/** What happened to each lookup, for metrics. 'ok', 'cached' or the missing reason. */
export interface LookupObserver {
  outcome?(enricher: string, outcome: string, seconds: number): void;
  circuit?(enricher: string, state: CircuitState): void;
}

class TimeoutError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An enricher behind a hard timeout, a retry budget, a circuit breaker and a TTL cache, whose `run`
 * never throws and never takes longer than the timeout: a slow or failing third party costs at most
 * the timeout per lookup, and nothing once its circuit is open.
 */
export class ResilientEnricher {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  private readonly budget: RetryBudget;
  private readonly cache: LRUCache<string, LookupOutcome> | null;
  private readonly inFlight = new Map<string, Promise<LookupOutcome>>();
  private readonly options: ResilienceOptions;

  constructor(
    readonly enricher: Enricher,
    options: Partial<ResilienceOptions> = {},
    private readonly observer: LookupObserver = {},
  ) {
    this.options = { ...DEFAULT_RESILIENCE, ...options };
    const { now } = this.options;
    this.name = enricher.name;
    this.breaker = new CircuitBreaker({
      failureThreshold: this.options.failureThreshold,
      openMs: this.options.openMs,
      halfOpenMaxCalls: this.options.halfOpenMaxCalls,
      now,
      onStateChange: (s) => observer.circuit?.(this.name, s),
    });
    this.budget = new RetryBudget({ ratio: this.options.retryRatio, minPerSecond: this.options.retryMinPerSecond, now });
    this.cache =
      this.options.cacheTtlMs > 0
        ? new LRUCache<string, LookupOutcome>({ max: this.options.cacheMaxEntries, ttl: this.options.cacheTtlMs, ...(now ? { perf: { now }, ttlResolution: 0 } : {}) })
        : null;
  }

  /** The key to look up for an input, or null when this enricher has nothing to do for it. */
  keyOf(input: LookupInput): string | null {
    try {
      return this.enricher.keyOf(input);
    } catch {
      return null;
    }
  }

  /** Looks `key` up; concurrent calls for one key share one request. */
  run(key: string): Promise<LookupOutcome> {
    const started = performance.now();
    const hit = this.cache?.get(key);
    if (hit) {
      this.observer.outcome?.(this.name, 'cached', 0);
      return Promise.resolve(hit);
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.call(key).then((outcome) => {
        this.inFlight.delete(key);
        this.observer.outcome?.(this.name, outcome.ok ? 'ok' : outcome.reason, (performance.now() - started) / 1000);
        return outcome;
      });
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async call(key: string): Promise<LookupOutcome> {
    const deadline = performance.now() + this.options.timeoutMs;
    this.budget.deposit();
    let reason = 'circuit-open';
    for (let attempt = 0; ; attempt++) {
      // A retry refused by a circuit that just opened reports the failure that opened it.
      if (!this.breaker.tryAcquire()) return { ok: false, reason };
      let retryable: boolean;
      try {
        const value = await this.attempt(key, deadline - performance.now());
        this.breaker.success();
        const json = JSON.stringify(value ?? null);
        const outcome: LookupOutcome = json.length > this.options.maxResultChars ? { ok: false, reason: 'result-too-large' } : { ok: true, json };
        this.cache?.set(key, outcome);
        return outcome;
      } catch (e) {
        if (e instanceof TimeoutError) [reason, retryable] = ['timeout', true];
        else if (e instanceof LookupError) [reason, retryable] = [e.reason, e.retryable];
        // Anything else is a bug in the enricher, not a verdict on the remote side.
        else [reason, retryable] = ['enricher-error', false];
      }
      if (retryable) this.breaker.failure();
      else {
        this.breaker.neutral();
        // A definite answer (404, malformed body): asking again within the TTL gives the same.
        if (reason !== 'enricher-error') this.cache?.set(key, { ok: false, reason });
        return { ok: false, reason };
      }
      const left = deadline - performance.now();
      if (attempt >= this.options.maxRetries || left <= this.options.retryBackoffMs || !this.budget.tryWithdraw()) return { ok: false, reason };
      await sleep(this.options.retryBackoffMs);
    }
  }

  /** One attempt, cut off after `ms` whether or not the enricher honours its abort signal. */
  private attempt(key: string, ms: number): Promise<unknown> {
    if (ms <= 0) return Promise.reject(new TimeoutError());
    const controller = new AbortController();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        controller.abort();
        reject(new TimeoutError());
      }, ms);
      let call: Promise<unknown>;
      try {
        call = this.enricher.lookup(key, controller.signal);
      } catch (e) {
        call = Promise.reject(e);
      }
      call.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(controller.signal.aborted ? new TimeoutError() : e);
        },
      );
    });
  }
}
