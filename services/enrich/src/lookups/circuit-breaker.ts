import type { Clock } from './types';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before letting trial calls through. */
  openMs: number;
  /** Trial calls allowed at once while half-open. */
  halfOpenMaxCalls: number;
  now?: Clock;
  onStateChange?: (state: CircuitState) => void;
}

/**
 * Closed: calls go through; `failureThreshold` failures in a row open it. Open: calls are refused at
 * once (circuit-open) for `openMs`. Half-open: a few trial calls go through; a success closes the
 * circuit, a failure opens it again for another `openMs`.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trials = 0;
  private readonly now: Clock;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) this.transition('half-open');
    return this.current;
  }

  /** Whether a call may go out now; when true the caller must report its success or failure. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.trials >= this.options.halfOpenMaxCalls) return false;
    this.trials++;
    return true;
  }

  success(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    if (this.current === 'half-open') {
      this.open();
      return;
    }
    this.failures++;
    if (this.current === 'closed' && this.failures >= this.options.failureThreshold) this.open();
  }

  /** A call that was let through ended without a verdict on the remote side (e.g. a 404). */
  neutral(): void {
    if (this.current === 'half-open') this.success();
    else this.failures = 0;
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private transition(to: CircuitState): void {
    this.current = to;
    this.trials = 0;
    if (to === 'closed') this.failures = 0;
    this.options.onStateChange?.(to);
  }
}
