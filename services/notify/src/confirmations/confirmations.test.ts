import type { Confirmation } from '@sluice/contracts';
import { produce, provision, uniquePrefix } from '../../../../test/support/kafka';
import { ACME_KEY, BETA_KEY, TOKEN, TestClient, confirmationRecord, startService, type Msg } from '../test-helpers';

const confirmed = (c: TestClient) => c.messages.filter((m) => m.type === 'confirmation').flatMap((m: Msg) => m.eventIds as string[]);

async function subscribed(c: TestClient): Promise<Msg> {
  await c.waitFor((ms) => ms.some((m) => m.type === 'subscribed'), 30_000, 'subscribed');
  return c.messages.find((m) => m.type === 'subscribed')!;
}

describe('producer confirmations over WebSocket against the real broker', () => {
  test('each producer gets a confirmation for every one of its events and none of anybody else’s; a cursor or a time resumes', async () => {
    const prefix = uniquePrefix('notify-confirm');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix);
    try {
      const acme = await TestClient.connect(svc.confirmationsUrl, ACME_KEY);
      const beta = await TestClient.connect(svc.confirmationsUrl, BETA_KEY);
      expect(await subscribed(acme)).toMatchObject({ type: 'subscribed', producer: 'acme', replayed: 0 });
      expect(await subscribed(beta)).toMatchObject({ producer: 'beta' });

      // Interleaved, as persist publishes them: one record per producer per transaction, keyed by producer.
      const records: Confirmation[] = [];
      const expected: Record<string, string[]> = { acme: [], beta: [] };
      for (let tx = 0; tx < 30; tx++) {
        for (const producer of tx % 3 === 0 ? ['beta', 'acme'] : ['acme', 'beta']) {
          const eventIds = Array.from({ length: 1 + (tx % 4) }, (_, i) => `${producer}-${tx}-${i}`);
          expected[producer].push(...eventIds);
          records.push({ producer, eventIds, stage: 'persisted', committedAt: Date.now() });
        }
        // A direct Kafka producer's events have no producer: nobody is told.
        if (tx % 10 === 0) records.push({ producer: null, eventIds: [`direct-${tx}`], stage: 'persisted', committedAt: Date.now() });
      }
      const half = records.length / 2;
      await produce(records.slice(0, half).map((c) => confirmationRecord(names, serde, c)));
      await produce(records.slice(half).map((c) => confirmationRecord(names, serde, c)));

      await acme.waitFor(() => confirmed(acme).length >= expected.acme.length, 30_000, 'acme confirmations');
      await beta.waitFor(() => confirmed(beta).length >= expected.beta.length, 30_000, 'beta confirmations');
      // Keyed by producer: one partition each, so the order within a producer is the order written.
      expect(confirmed(acme)).toEqual(expected.acme);
      expect(confirmed(beta)).toEqual(expected.beta);
      const all = [...acme.messages, ...beta.messages].filter((m) => m.type === 'confirmation');
      expect(all.every((m) => m.stage === 'persisted' && m.replay === false && typeof m.cursor === 'string' && typeof m.committedAt === 'number')).toBe(true);
      expect(acme.messages.filter((m) => m.type === 'confirmation').every((m) => m.producer === 'acme')).toBe(true);

      // A second acme socket resuming from the cursor of acme's 10th message gets exactly the rest, then live.
      const acmeMessages = acme.messages.filter((m) => m.type === 'confirmation');
      const cursor = acmeMessages[9].cursor as string;
      const rest = acmeMessages.slice(10).flatMap((m) => m.eventIds as string[]);
      const resumed = await TestClient.connect(`${svc.confirmationsUrl}?cursor=${encodeURIComponent(cursor)}`, ACME_KEY);
      const sub = await subscribed(resumed);
      expect(sub.replayed).toBe(rest.length);
      expect(confirmed(resumed)).toEqual(rest);
      expect(resumed.messages.filter((m) => m.type === 'confirmation').every((m) => m.replay === true)).toBe(true);
      // Resuming by time: everything of beta's since before the first record.
      const byTime = await TestClient.connect(`${svc.confirmationsUrl}?since=${Date.now() - 120_000}`, BETA_KEY);
      await subscribed(byTime);
      expect(confirmed(byTime)).toEqual(expected.beta);

      // Live after a resume: a new confirmation reaches all three acme/beta sockets of its producer only.
      await produce([confirmationRecord(names, serde, { producer: 'acme', eventIds: ['acme-late'], stage: 'persisted', committedAt: Date.now() })]);
      await resumed.waitFor(() => confirmed(resumed).includes('acme-late'), 30_000, 'acme-late on the resumed socket');
      await acme.waitFor(() => confirmed(acme).includes('acme-late'), 30_000, 'acme-late');
      await new Promise((r) => setTimeout(r, 300));
      expect(confirmed(beta)).not.toContain('acme-late');
      expect(confirmed(byTime)).not.toContain('acme-late');
      expect(svc.service.confirmations.clients.size).toBe(4);
      for (const c of [acme, beta, resumed, byTime]) await c.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('a missing key is refused with 401, a wrong one (or an analyst token) with 403, a bad resume point with 400', async () => {
    const prefix = uniquePrefix('notify-confirm-auth');
    await provision(prefix);
    const svc = await startService(prefix);
    try {
      await expect(TestClient.connect(svc.confirmationsUrl, null)).rejects.toMatchObject({ status: 401 });
      await expect(TestClient.connect(svc.confirmationsUrl, 'not-a-producer-key-at-all')).rejects.toMatchObject({ status: 403 });
      await expect(TestClient.connect(svc.confirmationsUrl, TOKEN)).rejects.toMatchObject({ status: 403 });
      // An API key is no analyst token either.
      await expect(TestClient.connect(svc.wsUrl, ACME_KEY)).rejects.toMatchObject({ status: 403 });
      await expect(TestClient.connect(`${svc.confirmationsUrl}?since=yesterday`, ACME_KEY)).rejects.toMatchObject({ status: 400 });
      expect(svc.service.confirmations.clients.size).toBe(0);
      // X-API-Key works as it does for ingest.
      const ok = await new Promise<number>((resolve, reject) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { WebSocket } = require('ws') as typeof import('ws');
        const ws = new WebSocket(svc.confirmationsUrl, { headers: { 'X-API-Key': BETA_KEY } });
        ws.once('message', (d) => {
          const m = JSON.parse(d.toString()) as Msg;
          ws.close();
          resolve(m.producer === 'beta' ? 1 : 0);
        });
        ws.once('error', reject);
      });
      expect(ok).toBe(1);
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('a producer socket too slow to keep up is closed with 4008 and can resume from its cursor without a gap', async () => {
    const prefix = uniquePrefix('notify-confirm-slow');
    const { names, serde } = await provision(prefix);
    const maxQueue = 20;
    const svc = await startService(prefix, { clientLimits: { highWaterBytes: 16 * 1024, maxQueue, maxQueuedBytes: 4 * 1024 * 1024, closeGraceMs: 60_000 }, heartbeatMs: 120_000 });
    try {
      const slow = await TestClient.connect(svc.confirmationsUrl, ACME_KEY);
      const sub = await subscribed(slow);
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      // About 20 MB of confirmations: more than the kernel's socket buffers can hide.
      const count = 300;
      const ids = (n: number) => Array.from({ length: 1000 }, (_, i) => `acme-${n}-${i}-${'x'.repeat(50)}`);
      for (let n = 0; n < count; n += 50) {
        await produce(Array.from({ length: 50 }, (_, i) => confirmationRecord(names, serde, { producer: 'acme', eventIds: ids(n + i), stage: 'persisted', committedAt: Date.now() })));
      }
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 30_000;
        const check = () => (svc.service.confirmations.evictions === 1 ? resolve() : Date.now() > deadline ? reject(new Error('not evicted')) : setTimeout(check, 100));
        check();
      });
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const closed = await slow.closed;
      expect(closed).toEqual({ code: 4008, reason: `slow consumer: send queue exceeded ${maxQueue} messages` });
      const got = slow.messages.filter((m) => m.type === 'confirmation');
      expect(got.length).toBeLessThan(count);
      // Resume from the last cursor it got (or the subscription's): the rest, nothing twice, nothing missed.
      const cursor = (got.length ? got[got.length - 1].cursor : sub.cursor) as string;
      const again = await TestClient.connect(`${svc.confirmationsUrl}?cursor=${encodeURIComponent(cursor)}`, ACME_KEY);
      await subscribed(again);
      const all = () => [...got, ...again.messages.filter((m) => m.type === 'confirmation')].flatMap((m) => m.eventIds as string[]);
      await again.waitFor(() => all().length >= count * 1000, 30_000, 'the rest after resuming');
      expect(all()).toEqual(Array.from({ length: count }, (_, n) => ids(n)).flat());
      await again.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);
});
