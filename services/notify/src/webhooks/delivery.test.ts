import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, DeadLetter } from '@sluice/contracts';
import { kafkaAdminClient } from '@sluice/runtime';
import { BROKERS, eventually, produce, provision, readTopic, sleep, uniquePrefix } from '../../../../test/support/kafka';
import { TestClient, alertRecord, makeAlert, startService } from '../test-helpers';
import { IDEMPOTENCY_HEADER, verifySignature } from '.';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP endpoint whose behaviour per path the test decides. */
async function receiver(behave: (req: Received, attemptsForKey: number) => Promise<number> | number) {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const r = { path: req.url ?? '/', headers: req.headers, body };
      requests.push(r);
      const key = `${r.path} ${req.headers[IDEMPOTENCY_HEADER.toLowerCase()]}`;
      const attempts = requests.filter((x) => `${x.path} ${x.headers[IDEMPOTENCY_HEADER.toLowerCase()]}` === key).length;
      const status = await behave(r, attempts);
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `failure ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    requests,
    at: (path: string) => requests.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const SECRET = 'whsec-0123456789abcdef';

describe('webhook delivery against real endpoints and the real broker', () => {
  test('signed deliveries; slow and failing endpoints are retried; exhausted and unreachable ones go to the dead-letter topic', async () => {
    const prefix = uniquePrefix('notify-webhooks');
    const { names, serde } = await provision(prefix);
    const rx = await receiver(async (r, attempt) => {
      if (r.path === '/slow' && attempt === 1) {
        await sleep(4000); // longer than the attempt's time limit
        return 200;
      }
      if (r.path === '/flaky') return attempt <= 2 ? 500 : 200;
      if (r.path === '/failing') return 500;
      return 200;
    });
    const down = await closedPort();
    const sub = (id: string, url: string, filter?: object) => ({ id, url, secret: `${SECRET}-${id}`, filter: filter ?? {} });
    const svc = await startService(prefix, {
      webhooks: [
        sub('ok', rx.url('/ok')),
        sub('slow', rx.url('/slow')),
        sub('flaky', rx.url('/flaky')),
        sub('failing', rx.url('/failing')),
        sub('down', `http://127.0.0.1:${down}/hook`),
        sub('critical', rx.url('/critical'), { minSeverity: 'CRITICAL' }),
      ],
      // A generous time limit: the receiver shares this process's event loop, which a busy machine slows.
      webhookPolicy: { maxAttempts: 4, backoffMs: 20, backoffMaxMs: 100, timeoutMs: 3000 },
      webhookCommitIntervalMs: 200,
    });
    try {
      const analyst = await TestClient.connect(svc.wsUrl);
      await analyst.subscribe();
      const high = makeAlert({ severity: 'HIGH', title: 'high one' });
      const critical = makeAlert({ severity: 'CRITICAL', title: 'critical one' });
      await produce([alertRecord(names, serde, high), alertRecord(names, serde, critical)]);

      // Analysts are not held up by endpoints that are slow or failing.
      await analyst.waitFor(() => analyst.alerts().length === 2);
      expect(svc.service.webhooks!.status().reduce((n, s) => n + s.deadLettered, 0)).toBe(0);

      await eventually(async () => svc.service.webhooks!.outstanding() === 0 && svc.service.webhooks!.status().every((s) => s.delivered + s.deadLettered === (s.id === 'critical' ? 1 : 2)), 30_000);
      const status = Object.fromEntries(svc.service.webhooks!.status().map((s) => [s.id, s]));
      expect(status.ok).toMatchObject({ delivered: 2, deadLettered: 0, failedAttempts: 0 });
      expect(status.slow).toMatchObject({ delivered: 2, deadLettered: 0 });
      expect(status.flaky).toMatchObject({ delivered: 2, deadLettered: 0, failedAttempts: 4 });
      expect(status.failing).toMatchObject({ delivered: 0, deadLettered: 2, failedAttempts: 8 });
      expect(status.down).toMatchObject({ delivered: 0, deadLettered: 2, failedAttempts: 8 });
      expect(status.critical).toMatchObject({ delivered: 1 });

      // Each delivery is signed over timestamp.body and carries an idempotency key.
      for (const r of rx.at('/ok')) {
        expect(r.headers['content-type']).toBe('application/json');
        expect(verifySignature(`${SECRET}-ok`, r.headers['x-sluice-signature'] as string, r.headers['x-sluice-timestamp'] as string, r.body)).toBe(true);
        expect(verifySignature(`${SECRET}-slow`, r.headers['x-sluice-signature'] as string, r.headers['x-sluice-timestamp'] as string, r.body)).toBe(false);
        const body = JSON.parse(r.body);
        expect(body).toMatchObject({ type: 'alert', status: 'new', resurfaced: false, position: { topic: names.topic('alerts') } });
        expect(r.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe(body.idempotencyKey);
        expect(body.idempotencyKey.startsWith(`${encodeURIComponent((body.alert as Alert).dedupKey)}.`)).toBe(true);
      }
      expect(rx.at('/ok').map((r) => JSON.parse(r.body).alert.title).sort()).toEqual(['critical one', 'high one']);
      expect(rx.at('/critical').map((r) => JSON.parse(r.body).alert.title)).toEqual(['critical one']);
      // Retries of one alert keep its idempotency key and count their attempts.
      for (const path of ['/slow', '/flaky', '/failing']) {
        const byKey = new Map<string, string[]>();
        for (const r of rx.at(path)) {
          const key = r.headers[IDEMPOTENCY_HEADER.toLowerCase()] as string;
          byKey.set(key, [...(byKey.get(key) ?? []), r.headers['x-sluice-attempt'] as string]);
        }
        expect(byKey.size).toBe(2);
        const expected = { '/slow': ['1', '2'], '/flaky': ['1', '2', '3'], '/failing': ['1', '2', '3', '4'] }[path];
        for (const attempts of byKey.values()) expect(attempts).toEqual(expected);
      }

      // Gave up: dead letters with the reason, the stage and the original record.
      const letters = await Promise.all((await readTopic(names.topic('dlq'), 4)).map(async (r) => ({ headers: r.headers, letter: await serde.decode<DeadLetter>('dlq', r.value) })));
      expect(letters).toHaveLength(4);
      for (const { headers, letter } of letters) {
        expect(letter).toMatchObject({ stage: 'notify', errorType: 'delivery', sourceTopic: names.topic('alerts'), attempts: 4 });
        const original = await serde.decode<Alert>('alerts', letter.value as Buffer);
        expect(['high one', 'critical one']).toContain(original.title);
        if (headers['sluice-webhook'] === 'failing') expect(letter.reason).toMatch(/^webhook "failing" \(http:\/\/127\.0\.0\.1:\d+\/failing\) failed 4 attempts \(retry budget spent\); last error: HTTP 500: failure 500$/);
        else {
          expect(headers['sluice-webhook']).toBe('down');
          expect(letter.reason).toMatch(/^webhook "down" .* failed 4 attempts \(retry budget spent\); last error: ECONNREFUSED/);
        }
      }

      // Everything settled, so the webhook position is committed to the end of the topic.
      const admin = kafkaAdminClient(BROKERS, 'test-admin');
      await admin.connect();
      try {
        await eventually(async () => {
          const [t] = await admin.fetchOffsets({ groupId: svc.service.webhookGroup, topics: [names.topic('alerts')] });
          return t.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) === 2;
        }, 10_000);
      } finally {
        await admin.disconnect();
      }
      await analyst.close();
    } finally {
      await svc.stop();
      await rx.close();
    }
  }, 120_000);

  test('webhook deliveries still outstanding when the service stops are redone after the restart, with the same idempotency keys; analysts are not notified twice', async () => {
    const prefix = uniquePrefix('notify-webhook-restart');
    const { names, serde } = await provision(prefix);
    let open = false;
    const rx = await receiver(() => (open ? 200 : 503));
    const options = {
      webhooks: [{ id: 'gated', url: rx.url('/gated'), secret: SECRET, filter: {} }],
      webhookPolicy: { maxAttempts: 100, backoffMs: 50, backoffMaxMs: 200, timeoutMs: 1000 },
      webhookDrainMs: 100,
    };
    let svc = await startService(prefix, options);
    try {
      await produce([alertRecord(names, serde, makeAlert({ title: 'one' })), alertRecord(names, serde, makeAlert({ title: 'two' }))]);
      await eventually(async () => rx.at('/gated').length >= 4, 20_000);
    } finally {
      await svc.stop();
    }
    const keysBefore = new Set(rx.at('/gated').map((r) => r.headers[IDEMPOTENCY_HEADER.toLowerCase()]));
    expect(keysBefore.size).toBe(2);

    open = true;
    svc = await startService(prefix, options);
    try {
      const analyst = await TestClient.connect(svc.wsUrl);
      await analyst.subscribe();
      await eventually(async () => svc.service.webhooks!.status()[0].delivered === 2, 20_000);
      const delivered = rx.at('/gated').slice(-2);
      expect(new Set(delivered.map((r) => r.headers[IDEMPOTENCY_HEADER.toLowerCase()]))).toEqual(keysBefore);
      await sleep(300);
      expect(analyst.alerts()).toEqual([]); // already delivered live before the restart
      await analyst.close();
    } finally {
      await svc.stop();
      await rx.close();
    }
  }, 120_000);
});
