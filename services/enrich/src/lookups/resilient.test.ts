import { ResilientEnricher, type ResilienceOptions } from './resilient';
import { runLookups } from './run';
import { LookupError, type Enricher } from './types';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** An in-process enricher whose answers the test scripts; counts its calls. */
function scripted(answer: (key: string, call: number, signal: AbortSignal) => Promise<unknown>, name = 'fake'): Enricher & { calls: string[] } {
  const calls: string[] = [];
  return {
    name,
    calls,
    keyOf: (input) => input.urls[0] ?? null,
    lookup(key, signal) {
      calls.push(key);
      return answer(key, calls.length, signal);
    },
  };
}

const base: Partial<ResilienceOptions> = { timeoutMs: 1000, maxRetries: 1, retryBackoffMs: 1, failureThreshold: 3, openMs: 1000, cacheTtlMs: 60_000, retryMinPerSecond: 100 };

describe('ResilientEnricher', () => {
  test('a result is JSON text', async () => {
    const r = new ResilientEnricher(scripted(async (key) => ({ key, shares: 3 })), base);
    expect(await r.run('https://a/')).toEqual({ ok: true, json: '{"key":"https://a/","shares":3}' });
  });

  test('a lookup that never answers (and ignores its abort signal) times out at the hard timeout', async () => {
    const r = new ResilientEnricher(scripted(() => new Promise(() => undefined)), { ...base, timeoutMs: 100 });
    const started = Date.now();
    expect(await r.run('k')).toEqual({ ok: false, reason: 'timeout' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(1000);
  });

  test('the abort signal fires at the timeout', async () => {
    let aborted = false;
    const e = scripted((_k, _n, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted'))))));
    expect(await new ResilientEnricher(e, { ...base, timeoutMs: 50 }).run('k')).toEqual({ ok: false, reason: 'timeout' });
    expect(aborted).toBe(true);
  });

  test('a retryable failure is retried within the retry budget', async () => {
    const e = scripted(async (_k, call) => {
      if (call === 1) throw new LookupError('http-503', true);
      return { ok: 1 };
    });
    expect(await new ResilientEnricher(e, base).run('k')).toEqual({ ok: true, json: '{"ok":1}' });
    expect(e.calls).toHaveLength(2);
  });

  test('retries stop at maxRetries and the last reason is reported', async () => {
    const e = scripted(async () => {
      throw new LookupError('http-500', true);
    });
    expect(await new ResilientEnricher(e, { ...base, maxRetries: 2, failureThreshold: 100 }).run('k')).toEqual({ ok: false, reason: 'http-500' });
    expect(e.calls).toHaveLength(3);
  });

  test('no retry when the retry budget is spent', async () => {
    const clock = fakeClock();
    const e = scripted(async () => {
      throw new LookupError('unreachable', true);
    });
    const r = new ResilientEnricher(e, { ...base, retryRatio: 0, retryMinPerSecond: 1, failureThreshold: 100, cacheTtlMs: 0, now: clock.now });
    await r.run('a'); // first attempt + the one token's retry
    await r.run('b'); // budget empty: first attempt only
    expect(e.calls).toEqual(['a', 'a', 'b']);
  });

  test('a non-retryable answer (404) is not retried, does not trip the circuit, and is cached', async () => {
    const e = scripted(async () => {
      throw new LookupError('http-404', false);
    });
    const r = new ResilientEnricher(e, { ...base, failureThreshold: 1 });
    expect(await r.run('k')).toEqual({ ok: false, reason: 'http-404' });
    expect(await r.run('k')).toEqual({ ok: false, reason: 'http-404' });
    expect(e.calls).toHaveLength(1);
    expect(r.breaker.state).toBe('closed');
  });

  test('the circuit opens after consecutive failures, then refuses without calling, then lets a trial through', async () => {
    const clock = fakeClock();
    let healthy = false;
    const e = scripted(async (key) => {
      if (!healthy) throw new LookupError('http-500', true);
      return { key };
    });
    const r = new ResilientEnricher(e, { ...base, maxRetries: 0, failureThreshold: 3, openMs: 5000, now: clock.now });
    for (const k of ['a', 'b', 'c']) expect(await r.run(k)).toEqual({ ok: false, reason: 'http-500' });
    expect(r.breaker.state).toBe('open');
    expect(await r.run('d')).toEqual({ ok: false, reason: 'circuit-open' });
    expect(e.calls).toEqual(['a', 'b', 'c']);
    clock.advance(5000);
    healthy = true;
    expect(await r.run('e')).toEqual({ ok: true, json: '{"key":"e"}' });
    expect(r.breaker.state).toBe('closed');
  });

  test('timeouts count against the circuit too', async () => {
    const r = new ResilientEnricher(scripted(() => new Promise(() => undefined)), { ...base, timeoutMs: 20, failureThreshold: 2 });
    await r.run('a');
    await r.run('b');
    expect(r.breaker.state).toBe('open');
    expect(await r.run('c')).toEqual({ ok: false, reason: 'circuit-open' });
  });

  test('answers are cached for the TTL', async () => {
    const clock = fakeClock();
    const e = scripted(async (key, call) => ({ key, call }));
    const r = new ResilientEnricher(e, { ...base, cacheTtlMs: 10_000, now: clock.now });
    expect(await r.run('k')).toEqual({ ok: true, json: '{"key":"k","call":1}' });
    clock.advance(9_000);
    expect(await r.run('k')).toEqual({ ok: true, json: '{"key":"k","call":1}' });
    clock.advance(2_000);
    expect(await r.run('k')).toEqual({ ok: true, json: '{"key":"k","call":2}' });
  });

  test('failures are not cached: the next event asks again', async () => {
    const e = scripted(async (_k, call) => {
      if (call === 1) throw new LookupError('http-502', true);
      return 'fine';
    });
    const r = new ResilientEnricher(e, { ...base, maxRetries: 0 });
    expect(await r.run('k')).toEqual({ ok: false, reason: 'http-502' });
    expect(await r.run('k')).toEqual({ ok: true, json: '"fine"' });
  });

  test('concurrent lookups of one key share one call', async () => {
    const e = scripted(() => new Promise((resolve) => setTimeout(() => resolve(1), 20)));
    const r = new ResilientEnricher(e, base);
    const results = await Promise.all([r.run('k'), r.run('k'), r.run('k')]);
    expect(results.every((x) => x.ok)).toBe(true);
    expect(e.calls).toHaveLength(1);
  });

  test('an oversized result and an enricher bug are reported, not thrown', async () => {
    const big = new ResilientEnricher(scripted(async () => 'x'.repeat(100)), { ...base, maxResultChars: 50 });
    expect(await big.run('k')).toEqual({ ok: false, reason: 'result-too-large' });
    const buggy = new ResilientEnricher(
      scripted(() => {
        throw new TypeError('oops');
      }),
      base,
    );
    expect(await buggy.run('k')).toEqual({ ok: false, reason: 'enricher-error' });
    expect(buggy.breaker.state).toBe('closed');
  });

  test('the observer sees outcomes and circuit changes', async () => {
    const seen: string[] = [];
    const e = scripted(async () => {
      throw new LookupError('http-500', true);
    });
    const r = new ResilientEnricher(e, { ...base, maxRetries: 0, failureThreshold: 1 }, { outcome: (n, o) => seen.push(`${n}:${o}`), circuit: (n, s) => seen.push(`${n}:${s}`) });
    await r.run('a');
    await r.run('b');
    expect(seen).toEqual(['fake:open', 'fake:http-500', 'fake:circuit-open']);
  });
});

describe('runLookups', () => {
  test('runs with bounded concurrency and keeps the order of jobs', async () => {
    let active = 0;
    let peak = 0;
    const e = scripted(async (key) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return key;
    });
    const r = new ResilientEnricher(e, base);
    const jobs = Array.from({ length: 40 }, (_, i) => ({ enricher: r, key: `k${i}` }));
    const out = await runLookups(jobs, { concurrency: 4, budgetMs: 10_000 });
    expect(peak).toBe(4);
    expect(out.map((o) => (o.ok ? JSON.parse(o.json) : o.reason))).toEqual(jobs.map((j) => j.key));
  });

  test('the same key for the same enricher is looked up once per batch', async () => {
    const e = scripted(async (key) => key);
    const r = new ResilientEnricher(e, { ...base, cacheTtlMs: 0 });
    const out = await runLookups(['a', 'b', 'a', 'a'].map((key) => ({ enricher: r, key })), { concurrency: 8, budgetMs: 1000 });
    expect(out).toHaveLength(4);
    expect(e.calls.sort()).toEqual(['a', 'b']);
  });

  test('a slow third party cannot stall the batch: no lookup starts after the batch budget', async () => {
    const e = scripted(() => new Promise((resolve) => setTimeout(() => resolve('late'), 40)));
    const r = new ResilientEnricher(e, { ...base, timeoutMs: 200, failureThreshold: 1000 });
    const started = Date.now();
    const out = await runLookups(Array.from({ length: 50 }, (_, i) => ({ enricher: r, key: `k${i}` })), { concurrency: 2, budgetMs: 150 });
    const took = Date.now() - started;
    // Budget plus at most one lookup timeout (plus slack for a busy machine); 50 lookups in turn would take 1 s.
    expect(took).toBeLessThan(150 + 200 + 300);
    expect(out.filter((o) => !o.ok && o.reason === 'batch-deadline').length).toBeGreaterThanOrEqual(35);
    expect(out.filter((o) => o.ok).length).toBeGreaterThanOrEqual(2);
  });

  test('no jobs, no work', async () => {
    expect(await runLookups([], { concurrency: 4, budgetMs: 10 })).toEqual([]);
  });
});
