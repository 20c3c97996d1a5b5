import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LinkMetricsEnricher } from './link-metrics';
import { ResilientEnricher } from './resilient';
import { runLookups } from './run';

/**
 * A real local HTTP server standing in for the link metrics service. Its behaviour per request is
 * chosen by the test: answer, be slow, fail with a status, or answer garbage.
 */
type Mode = { kind: 'ok' } | { kind: 'slow'; ms: number } | { kind: 'status'; status: number } | { kind: 'garbage' };

async function startServer() {
  let mode: Mode = { kind: 'ok' };
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.searchParams.get('url') ?? '');
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: url.searchParams.get('url'), shares: 42 }));
    };
    if (mode.kind === 'ok') answer();
    else if (mode.kind === 'slow') {
      const t = setTimeout(() => (timers.delete(t), answer()), mode.ms);
      timers.add(t);
    }
    else if (mode.kind === 'status') {
      res.statusCode = mode.status;
      res.end('{"error":"nope"}');
    } else res.end('<html>not json</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/link-metrics`,
    requests,
    set(m: Mode) {
      mode = m;
    },
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// Generous timeout for the behaviour tests (a busy machine must not turn answers into timeouts); the
// slow-server tests set their own short one.
const opts = { timeoutMs: 2000, maxRetries: 1, retryBackoffMs: 5, failureThreshold: 3, openMs: 60_000, cacheTtlMs: 60_000, retryMinPerSecond: 100 };

describe('LinkMetricsEnricher against a local HTTP server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  test('asks GET <endpoint>?url=<canonical url> and keeps the JSON answer', async () => {
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), opts);
    const key = r.keyOf({ event: {} as never, urls: ['https://example.com/a?b=1&c=2'], language: 'en' });
    expect(key).toBe('https://example.com/a?b=1&c=2');
    expect(await r.run(key!)).toEqual({ ok: true, json: '{"url":"https://example.com/a?b=1&c=2","shares":42}' });
    expect(server.requests).toEqual(['https://example.com/a?b=1&c=2']);
  });

  test('nothing to look up for an event without URLs', () => {
    const e = new LinkMetricsEnricher({ endpoint: server.endpoint });
    expect(e.keyOf({ event: {} as never, urls: [], language: 'en' })).toBeNull();
  });

  test('cache: a second lookup of the same link within the TTL does not call the server', async () => {
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), opts);
    await r.run('https://example.com/x');
    await r.run('https://example.com/x');
    await r.run('https://example.com/y');
    expect(server.requests).toEqual(['https://example.com/x', 'https://example.com/y']);
  });

  test('slow server: the lookup gives up at the hard timeout with reason timeout', async () => {
    server.set({ kind: 'slow', ms: 10_000 });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), { ...opts, timeoutMs: 300 });
    const started = Date.now();
    expect(await r.run('https://example.com/slow')).toEqual({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('slow server: a batch of lookups still ends promptly, and the circuit opens', async () => {
    server.set({ kind: 'slow', ms: 10_000 });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), { ...opts, timeoutMs: 300 });
    const jobs = Array.from({ length: 30 }, (_, i) => ({ enricher: r, key: `https://example.com/${i}` }));
    const started = Date.now();
    const out = await runLookups(jobs, { concurrency: 8, budgetMs: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    const reasons = new Set(out.map((o) => (o.ok ? 'ok' : o.reason)));
    expect([...reasons].sort()).toEqual(['circuit-open', 'timeout']);
    expect(r.breaker.state).toBe('open');
  });

  test('failing server (500): retried once, reported as http-500, and the circuit opens after the threshold', async () => {
    server.set({ kind: 'status', status: 500 });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), opts);
    expect(await r.run('https://example.com/1')).toEqual({ ok: false, reason: 'http-500' });
    expect(server.requests).toHaveLength(2); // first attempt and one retry
    // Second call: its first attempt is the third consecutive failure, which opens the circuit.
    expect(await r.run('https://example.com/2')).toEqual({ ok: false, reason: 'http-500' });
    expect(r.breaker.state).toBe('open');
    const before = server.requests.length;
    expect(await r.run('https://example.com/3')).toEqual({ ok: false, reason: 'circuit-open' });
    expect(server.requests.length).toBe(before);
  });

  test('a 404 is an answer: http-404, not retried, circuit stays closed', async () => {
    server.set({ kind: 'status', status: 404 });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), opts);
    for (let i = 0; i < 5; i++) expect(await r.run(`https://example.com/${i}`)).toEqual({ ok: false, reason: 'http-404' });
    expect(server.requests).toHaveLength(5);
    expect(r.breaker.state).toBe('closed');
  });

  test('a body that is not JSON is a bad-response', async () => {
    server.set({ kind: 'garbage' });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), opts);
    expect(await r.run('https://example.com/g')).toEqual({ ok: false, reason: 'bad-response' });
  });

  test('the server recovers: after openMs a trial call closes the circuit again', async () => {
    let now = 0;
    server.set({ kind: 'status', status: 503 });
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: server.endpoint }), { ...opts, maxRetries: 0, failureThreshold: 2, openMs: 10_000, now: () => now });
    await r.run('https://example.com/a');
    await r.run('https://example.com/b');
    expect(r.breaker.state).toBe('open');
    server.set({ kind: 'ok' });
    expect(await r.run('https://example.com/c')).toEqual({ ok: false, reason: 'circuit-open' });
    now += 10_000;
    expect(await r.run('https://example.com/c')).toMatchObject({ ok: true });
    expect(r.breaker.state).toBe('closed');
  });
});

describe('LinkMetricsEnricher against a server that is down', () => {
  test('a closed port is unreachable; retried, then the circuit opens', async () => {
    const port = await closedPort();
    const r = new ResilientEnricher(new LinkMetricsEnricher({ endpoint: `http://127.0.0.1:${port}/m` }), opts);
    expect(await r.run('https://example.com/1')).toEqual({ ok: false, reason: 'unreachable' });
    expect(await r.run('https://example.com/2')).toEqual({ ok: false, reason: 'unreachable' });
    expect(r.breaker.state).toBe('open');
    expect(await r.run('https://example.com/3')).toEqual({ ok: false, reason: 'circuit-open' });
  });

  test('a malformed endpoint is refused at construction, naming it', () => {
    expect(() => new LinkMetricsEnricher({ endpoint: 'nope' })).toThrow('link metrics endpoint "nope": expected an absolute http(s) URL');
  });
});
