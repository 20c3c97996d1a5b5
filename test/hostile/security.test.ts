/**
 * Security checks over the five services as separate processes: every HTTP and WebSocket surface that
 * serves data refuses missing and wrong credentials (401/403, WebSocket upgrade refused), and no secret
 * (API keys, query and analyst tokens, right or wrong, a webhook's signing secret, the PostgreSQL
 * password) appears in any log line, response body or ops endpoint. /metrics, /healthz and /readyz are
 * unauthenticated by design (scraped and probed by the platform), as is the schema registry (shared
 * infrastructure like Kafka, reachable only inside the deployment): they are checked for leaks only.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { Alert } from '@sluice/contracts';
import { REGISTRY_URL, eventually, produce, provision, uniquePrefix } from '../support/kafka';
import { freePort, startService, type ServiceProcess } from '../support/processes';
import { commonEnv, createDatabase, expectAlive, secret, sha256hex, startAll, type TestDatabase } from './harness';

jest.setTimeout(120_000);

const API_KEY = secret('ingest-key');
const WRONG_API_KEY = secret('wrong-ingest-key');
const QUERY_TOKEN = secret('query-token');
const WRONG_QUERY_TOKEN = secret('wrong-query-token');
const ANALYST_TOKEN = secret('analyst-token');
const WRONG_ANALYST_TOKEN = secret('wrong-analyst-token');
const WEBHOOK_SECRET = secret('webhook-secret');

/** Every response body this file received, scanned for secrets at the end. */
const bodies: Array<{ what: string; body: string }> = [];

async function call(what: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  bodies.push({ what, body });
  return { status: res.status, body, headers: res.headers };
}

type WsOutcome = { opened: true } | { opened: false; status: number; body: string };

/** Tries a WebSocket upgrade; the refusal's status and body when refused. */
function wsAttempt(url: string, headers: Record<string, string> = {}): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        bodies.push({ what: `WebSocket ${url}`, body });
        resolve({ opened: false, status: res.statusCode ?? 0, body });
      });
      res.on('error', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
      req.on('error', () => undefined);
    });
    ws.once('error', (e) => reject(e));
  });
}

describe('security', () => {
  const prefix = uniquePrefix('hostile-security');
  let db: TestDatabase;
  let procs: Record<string, ServiceProcess> = {};
  let hook: http.Server;
  const hookRequests: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

  /** What must never be shown: the secrets themselves and the full hash of the API key. */
  const secrets = () => ({
    'ingest API key': API_KEY,
    'wrong ingest API key': WRONG_API_KEY,
    "ingest API key's SHA-256": sha256hex(API_KEY),
    'query token': QUERY_TOKEN,
    'wrong query token': WRONG_QUERY_TOKEN,
    'analyst token': ANALYST_TOKEN,
    'wrong analyst token': WRONG_ANALYST_TOKEN,
    'webhook secret': WEBHOOK_SECRET,
    ...(db.password.length >= 12 ? { 'PostgreSQL password': db.password } : { 'PostgreSQL URL with password': `:${db.password}@` }),
  });

  const leaksIn = (text: string) => Object.entries(secrets()).filter(([, s]) => text.includes(s) || text.includes(encodeURIComponent(s)));

  beforeAll(async () => {
    // A webhook receiver: the first delivery fails (so notify logs and retries it), the next ones succeed.
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hookRequests.push({ headers: req.headers, body });
        res.writeHead(hookRequests.length === 1 ? 500 : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: hookRequests.length > 1 }));
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    const [, database] = await Promise.all([provision(prefix), createDatabase('hostile_security')]);
    db = database;
    // The most verbose logs: whatever a service writes at any level must hold no secret.
    const common = { ...commonEnv(prefix), LOG_LEVEL: 'trace' };
    const started = await startAll([
      ['ingest', { ...common, INGEST_API_KEYS: `secure:${sha256hex(API_KEY)}`, INGEST_LAG_INTERVAL_MS: '0' }],
      ['enrich', common],
      ['score', common],
      ['persist', { ...common, DATABASE_URL: db.url, PERSIST_API_TOKENS: `analyst:${QUERY_TOKEN}` }],
      [
        'notify',
        {
          ...common,
          NOTIFY_TOKENS: `analyst:${ANALYST_TOKEN}`,
          NOTIFY_START_FROM: 'earliest',
          NOTIFY_WEBHOOKS: JSON.stringify([{ id: 'security-hook', url: hookUrl, secret: WEBHOOK_SECRET }]),
          NOTIFY_WEBHOOK_BACKOFF_MS: '50',
          NOTIFY_WEBHOOK_BACKOFF_MAX_MS: '200',
        },
      ],
    ]);
    procs = Object.fromEntries(started.map((p) => [p.name, p]));
  });

  afterAll(async () => {
    await Promise.all(Object.values(procs).map((p) => p.stop()));
    await new Promise((resolve) => hook?.close(resolve));
    await db?.drop();
  });

  test('ingest refuses missing and wrong API keys on every route (401 without, 403 wrong) and accepts the right one', async () => {
    const event = JSON.stringify({ source: 'security', kind: 'POST', occurredAt: Date.now() - 1000, author: { id: 'sec' }, text: 'a secure event' });
    for (const path of ['/v1/events', '/v1/events/batch']) {
      const body = path.endsWith('batch') ? `[${event}]` : event;
      const post = (what: string, headers: Record<string, string>, query = '') => call(`ingest ${path} ${what}`, `${procs.ingest.url}${path}${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
      const cases: Array<[string, Record<string, string>, number, string?]> = [
        ['no credentials', {}, 401],
        ['key in the query string', {}, 401, `?api_key=${API_KEY}`],
        ['Basic auth carrying the key', { Authorization: `Basic ${Buffer.from(`secure:${API_KEY}`).toString('base64')}` }, 401],
        ['empty Bearer', { Authorization: 'Bearer ' }, 401],
        ['wrong Bearer key', { Authorization: `Bearer ${WRONG_API_KEY}` }, 403],
        ['wrong X-API-Key', { 'X-API-Key': WRONG_API_KEY }, 403],
        ['the right key with a suffix', { Authorization: `Bearer ${API_KEY}x` }, 403],
        ['the right key truncated', { Authorization: `Bearer ${API_KEY.slice(0, -1)}` }, 403],
        ["another service's token", { Authorization: `Bearer ${QUERY_TOKEN}` }, 403],
      ];
      for (const [what, headers, status, query] of cases) {
        const r = await post(what, headers, query);
        expect({ path, what, status: r.status }).toEqual({ path, what, status });
        if (status === 401) expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect((await post('right Bearer key', { Authorization: `Bearer ${API_KEY}` })).status).toBe(202);
      expect((await post('right X-API-Key', { 'X-API-Key': API_KEY })).status).toBe(202);
    }
    // The API description is public; it holds no secret (checked with every other body at the end).
    expect((await call('ingest openapi', `${procs.ingest.url}/openapi.json`)).status).toBe(200);
  });

  test('the persist query API refuses missing and wrong tokens on every route (401 without, 403 wrong) and accepts the right one', async () => {
    for (const path of ['/v1/events', '/v1/trends', '/v1/authors/top', '/v1/alerts', '/v1/alerts/counts', '/v1/no-such-route']) {
      const get = (what: string, headers: Record<string, string>, query = '') => call(`persist ${path} ${what}`, `${procs.persist.url}${path}${query}`, { headers });
      const cases: Array<[string, Record<string, string>, number, string?]> = [
        ['no credentials', {}, 401],
        ['token in the query string', {}, 401, `?token=${QUERY_TOKEN}`],
        ['wrong Bearer token', { Authorization: `Bearer ${WRONG_QUERY_TOKEN}` }, 403],
        ['wrong X-API-Key', { 'X-API-Key': WRONG_QUERY_TOKEN }, 403],
        ['the right token with a suffix', { Authorization: `Bearer ${QUERY_TOKEN}x` }, 403],
        ["another service's key", { Authorization: `Bearer ${API_KEY}` }, 403],
        ['Basic auth carrying the token', { Authorization: `Basic ${Buffer.from(`analyst:${QUERY_TOKEN}`).toString('base64')}` }, 401],
      ];
      for (const [what, headers, status, query] of cases) {
        const r = await get(what, headers, query);
        expect({ path, what, status: r.status }).toEqual({ path, what, status });
      }
      const ok = await get('right token', { Authorization: `Bearer ${QUERY_TOKEN}` });
      expect({ path, status: ok.status }).toEqual({ path, status: path === '/v1/no-such-route' ? 404 : 200 });
    }
    expect((await call('persist openapi', `${procs.persist.url}/openapi.json`)).status).toBe(200);
  });

  test("notify's console data endpoints and WebSocket refuse missing and wrong tokens and accept the right one", async () => {
    const { url, port } = procs.notify;
    for (const path of ['/api/stats', '/api/webhooks']) {
      const cases: Array<[string, Record<string, string>, string, number]> = [
        ['no credentials', {}, '', 401],
        ['wrong Bearer token', { Authorization: `Bearer ${WRONG_ANALYST_TOKEN}` }, '', 403],
        ['wrong token parameter', {}, `?token=${WRONG_ANALYST_TOKEN}`, 403],
        ['empty token parameter', {}, '?token=', 401],
        ['malformed Authorization beside a right token parameter', { Authorization: 'Token x' }, `?token=${ANALYST_TOKEN}`, 401],
        ["another service's token", { Authorization: `Bearer ${QUERY_TOKEN}` }, '', 403],
      ];
      for (const [what, headers, query, status] of cases) {
        const r = await call(`notify ${path} ${what}`, `${url}${path}${query}`, { headers });
        expect({ path, what, status: r.status }).toEqual({ path, what, status });
      }
      expect((await call(`notify ${path} right`, `${url}${path}`, { headers: { Authorization: `Bearer ${ANALYST_TOKEN}` } })).status).toBe(200);
    }
    const ws = `ws://127.0.0.1:${port}/ws`;
    const refused: Array<[string, string, Record<string, string>, number]> = [
      ['no credentials', ws, {}, 401],
      ['wrong Bearer token', ws, { Authorization: `Bearer ${WRONG_ANALYST_TOKEN}` }, 403],
      ['wrong token parameter', `${ws}?token=${WRONG_ANALYST_TOKEN}`, {}, 403],
      ["another service's token", ws, { Authorization: `Bearer ${API_KEY}` }, 403],
      ['right token on another path', `ws://127.0.0.1:${port}/other`, { Authorization: `Bearer ${ANALYST_TOKEN}` }, 404],
    ];
    for (const [what, target, headers, status] of refused) {
      const r = await wsAttempt(target, headers);
      expect({ what, outcome: r }).toEqual({ what, outcome: { opened: false, status, body: expect.any(String) } });
    }
    expect(await wsAttempt(ws, { Authorization: `Bearer ${ANALYST_TOKEN}` })).toEqual({ opened: true });
    expect(await wsAttempt(`${ws}?token=${encodeURIComponent(ANALYST_TOKEN)}`)).toEqual({ opened: true });
    // The console page itself is static and public; its data comes only through the endpoints above.
    const page = await call('notify console', `${url}/`);
    expect(page.status).toBe(200);
  });

  test('webhook deliveries are signed with the secret, which is never sent', async () => {
    const { serde, names } = await provision(prefix);
    const now = Date.now();
    const alert: Alert = {
      id: `security-alert-${now}`,
      dedupKey: `security-dedup-${now}`,
      rule: 'security-test',
      ruleVersion: 'v1',
      severity: 'HIGH',
      title: 'an alert for the webhook',
      source: 'security',
      entity: { type: 'keyword', value: 'secure' },
      evidence: { eventIds: [], windowStart: now - 60_000, windowEnd: now, figures: {} },
      models: [],
      firedAt: now,
    };
    await produce([{ topic: names.topic('alerts'), key: alert.dedupKey, value: serde.encode('alerts', alert) }]);
    // The first attempt is answered 500, the retry 200.
    await eventually(async () => hookRequests.length >= 2, 60_000, 200);
    for (const r of hookRequests) {
      const ts = String(r.headers['x-sluice-timestamp']);
      const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
      expect(r.headers['x-sluice-signature']).toBe(expected);
      expect(leaksIn(JSON.stringify(r.headers) + r.body)).toEqual([]);
    }
  });

  test('ops endpoints (/metrics, /healthz, /readyz) answer without credentials and show no secret; nor does the registry', async () => {
    for (const p of Object.values(procs)) {
      for (const path of ['/metrics', '/healthz', '/readyz']) {
        const r = await call(`${p.name} ${path}`, `${p.url}${path}`);
        expect({ service: p.name, path, status: r.status }).toEqual({ service: p.name, path, status: 200 });
        expect({ service: p.name, path, leaks: leaksIn(r.body).map(([what]) => what) }).toEqual({ service: p.name, path, leaks: [] });
      }
    }
    for (const path of ['/metrics', '/healthz', '/readyz', '/subjects']) {
      const r = await call(`registry ${path}`, `${REGISTRY_URL}${path}`);
      expect({ path, leaks: leaksIn(r.body).map(([what]) => what) }).toEqual({ path, leaks: [] });
    }
  });

  test('no secret appears in any response body or any service log', async () => {
    // A few more error paths that log: a bad query parameter, an invalid event.
    await call('persist bad parameter', `${procs.persist.url}/v1/events?limit=oops`, { headers: { Authorization: `Bearer ${QUERY_TOKEN}` } });
    await call('ingest invalid event', `${procs.ingest.url}/v1/events`, { method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: '{"nope":1}' });
    // The console's data once clients have connected (one with its token in the URL) and a webhook delivery has failed once.
    for (const path of ['/api/stats', '/api/webhooks']) await call(`notify ${path} after the fact`, `${procs.notify.url}${path}`, { headers: { Authorization: `Bearer ${ANALYST_TOKEN}` } });
    for (const p of Object.values(procs)) await expectAlive(p);

    const inBodies = bodies.flatMap((b) => leaksIn(b.body).map(([what]) => `${b.what}: ${what}`));
    expect(inBodies).toEqual([]);
    const inLogs = Object.values(procs).flatMap((p) => {
      const log = fs.readFileSync(p.logFile, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      return leaksIn(log).map(([what]) => `${p.name} log: ${what}`);
    });
    expect(inLogs).toEqual([]);
  });

  test('a configuration error names the variable without printing the secrets in it', async () => {
    const common = commonEnv(prefix);
    const goodToken = secret('config-good-token');
    const webhookSecret = secret('config-webhook-secret');
    const pgPassword = secret('config-pg-password');
    const attempts: Array<[service: string, env: Record<string, string>, variable: string, secrets: string[]]> = [
      // One token too short: the other, valid one must not be printed with the complaint.
      ['notify', { ...common, NOTIFY_TOKENS: `good:${goodToken},bad:short` }, 'NOTIFY_TOKENS', [goodToken]],
      // A webhook entry with a bad URL: its secret must not be printed.
      ['notify', { ...common, NOTIFY_TOKENS: `analyst:${ANALYST_TOKEN}`, NOTIFY_WEBHOOKS: JSON.stringify([{ id: 'h', url: 'ftp://nowhere', secret: webhookSecret }]) }, 'NOTIFY_WEBHOOKS', [webhookSecret, ANALYST_TOKEN]],
      // A mistyped port in DATABASE_URL: the password in it must not be printed.
      ['persist', { ...common, DATABASE_URL: `postgres://sluice:${pgPassword}@127.0.0.1:99999/nowhere`, PERSIST_API_TOKENS: `analyst:${QUERY_TOKEN}` }, 'DATABASE_URL', [pgPassword, QUERY_TOKEN]],
    ];
    const problems: string[] = [];
    for (const [service, env, variable, hidden] of attempts) {
      const port = await freePort();
      const started = await startService(service, env, { port }).then(
        (p) => p,
        () => undefined,
      );
      if (started) {
        await started.stop();
        problems.push(`${service} started despite a bad ${variable}`);
        continue;
      }
      const log = fs.readFileSync(`${procs.ingest.logFile.replace(/[^/]*$/, '')}${service}-${port}.log`, 'utf8');
      if (!log.includes(variable)) problems.push(`${service}: the error does not name ${variable}: ${log.slice(-300)}`);
      for (const s of hidden) if (log.includes(s)) problems.push(`${service}: a bad ${variable} prints a secret: ${log.split('\n').find((l) => l.includes(s))?.slice(0, 300)}`);
    }
    expect(problems).toEqual([]);
  });
});
