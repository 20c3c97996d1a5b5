import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import { RetryBudget } from './retry-budget';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('CircuitBreaker', () => {
  test('closed → open after the threshold of consecutive failures → half-open after openMs → closed on success', () => {
    const clock = fakeClock();
    const states: CircuitState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, halfOpenMaxCalls: 1, now: clock.now, onStateChange: (s) => states.push(s) });
    expect(b.state).toBe('closed');
    for (let i = 0; i < 2; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    clock.advance(999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    // Only one trial at a time while half-open.
    expect(b.tryAcquire()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  test('a failed trial opens the circuit again for another openMs', () => {
    const clock = fakeClock();
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 500, halfOpenMaxCalls: 1, now: clock.now });
    b.tryAcquire();
    b.failure();
    clock.advance(500);
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    clock.advance(499);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  test('a success resets the failure count; neutral answers neither open nor keep counting', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, openMs: 500, halfOpenMaxCalls: 1 });
    b.failure();
    b.success();
    b.failure();
    expect(b.state).toBe('closed');
    b.neutral();
    b.failure();
    expect(b.state).toBe('closed');
  });
});

describe('RetryBudget', () => {
  test('retries are a bounded share of calls', () => {
    const clock = fakeClock();
    const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 0, now: clock.now });
    // Starts with one token.
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    for (let i = 0; i < 100; i++) budget.deposit();
    let retries = 0;
    while (budget.tryWithdraw()) retries++;
    expect(retries).toBe(10);
  });

  test('a floor per second lets a quiet enricher retry', () => {
    const clock = fakeClock();
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 2, now: clock.now });
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    clock.advance(500);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });
});
