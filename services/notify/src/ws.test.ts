import { produce, provision, uniquePrefix } from '../../../test/support/kafka';
import { OTHER_TOKEN, TOKEN, TestClient, alertRecord, makeAlert, startService, type Msg } from './test-helpers';

describe('WebSocket delivery against the real broker', () => {
  test('connections without a token are refused with 401 and with a wrong token with 403, before any upgrade', async () => {
    const prefix = uniquePrefix('notify-auth');
    await provision(prefix);
    const svc = await startService(prefix);
    try {
      await expect(TestClient.connect(svc.wsUrl, null)).rejects.toMatchObject({ status: 401 });
      await expect(TestClient.connect(svc.wsUrl, 'not-a-valid-token-at-all')).rejects.toMatchObject({ status: 403 });
      await expect(TestClient.connect(svc.wsUrl, 'wrong-token-in-the-query', { via: 'query' })).rejects.toMatchObject({ status: 403 });
      await expect(TestClient.connect(svc.wsUrl.replace('/ws', '/elsewhere'), TOKEN)).rejects.toMatchObject({ status: 404 });
      expect(await svc.service.hub.clients.size).toBe(0);

      const byHeader = await TestClient.connect(svc.wsUrl, TOKEN);
      const byQuery = await TestClient.connect(svc.wsUrl, OTHER_TOKEN, { via: 'query' });
      await byHeader.waitFor((ms) => ms.some((m) => m.type === 'hello'));
      await byQuery.waitFor((ms) => ms.some((m) => m.type === 'hello'));
      expect(byHeader.messages[0]).toMatchObject({ type: 'hello', principal: 'alice' });
      expect(byQuery.messages[0]).toMatchObject({ type: 'hello', principal: 'bob' });

      // The console's JSON API takes the same tokens.
      const noToken = await fetch(`${svc.url}/api/stats`);
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`${svc.url}/api/stats`, { headers: { Authorization: 'Bearer nope-nope-nope-nope' } })).status).toBe(403);
      const ok = await fetch(`${svc.url}/api/stats`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { notify: { clients: number } }).notify.clients).toBe(2);
      await byHeader.close();
      await byQuery.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('a client that stops answering pings is terminated; one that answers stays', async () => {
    const prefix = uniquePrefix('notify-heartbeat');
    await provision(prefix);
    const svc = await startService(prefix, { heartbeatMs: 400 });
    try {
      const frozen = await TestClient.connect(svc.wsUrl, TOKEN, { autoPong: false });
      const healthy = await TestClient.connect(svc.wsUrl, TOKEN);
      const closed = await frozen.closed;
      expect(closed.code).toBe(1006); // terminated, no close handshake
      expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
      await healthy.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('each connection gets exactly the alerts its filters admit; a bad filter is refused naming the field', async () => {
    const prefix = uniquePrefix('notify-filters');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix);
    try {
      const all = await TestClient.connect(svc.wsUrl);
      const severe = await TestClient.connect(svc.wsUrl);
      const ruleAndSource = await TestClient.connect(svc.wsUrl);
      const keyword = await TestClient.connect(svc.wsUrl);
      await all.subscribe();
      await severe.subscribe({ filter: { minSeverity: 'CRITICAL' } });
      await ruleAndSource.subscribe({ filter: { rules: ['author-burst'], sources: ['reddit'] } });
      await keyword.subscribe({ filter: { keywords: ['ransomware'] } });
      await expect(keyword.subscribe({ filter: { minSeverity: 'SEVERE' } })).rejects.toThrow('filter.minSeverity: expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"');
      await expect(keyword.subscribe({ cursor: 'yesterday' })).rejects.toThrow(/cursor entry "yesterday": expected "<partition>:<next offset>"/);

      const alerts = [
        makeAlert({ severity: 'CRITICAL', rule: 'keyword-spike', source: 'twitter', title: 'Critical spike' }),
        makeAlert({ severity: 'LOW', rule: 'author-burst', source: 'reddit', title: 'Author burst on reddit' }),
        makeAlert({ severity: 'HIGH', rule: 'author-burst', source: 'twitter', title: 'Author burst on twitter' }),
        makeAlert({ severity: 'MEDIUM', rule: 'keyword-spike', source: null, title: 'Mentions spike', entity: { type: 'keyword', value: 'ransomware' } }),
        makeAlert({ severity: 'CRITICAL', rule: 'author-burst', source: 'reddit', title: 'Ransomware group posting' }),
      ];
      // One partition, so order is fixed: the last alert matches every filter, and once a client has it,
      // every alert before it was either delivered or filtered out, not merely late.
      await produce(alerts.map((a) => ({ ...alertRecord(names, serde, a), partition: 0 })));
      const titles = (c: TestClient) => c.alerts().map((m: Msg) => m.alert.title).sort();
      const last = (c: TestClient) => c.waitFor(() => c.alerts().some((m) => m.alert.title === 'Ransomware group posting'));
      await Promise.all([all, severe, ruleAndSource, keyword].map(last));
      expect(all.alerts()).toHaveLength(5);
      expect(titles(severe)).toEqual(['Critical spike', 'Ransomware group posting']);
      expect(titles(ruleAndSource)).toEqual(['Author burst on reddit', 'Ransomware group posting']);
      expect(titles(keyword)).toEqual(['Mentions spike', 'Ransomware group posting']);
      expect(all.alerts().every((m) => /^\d+-\d+$/.test(m.id) && typeof m.cursor === 'string' && m.status === 'new' && m.replay === false)).toBe(true);
      for (const c of [all, severe, ruleAndSource, keyword]) await c.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('a burst far larger than the send queue bound does not evict a client that keeps reading', async () => {
    const prefix = uniquePrefix('notify-burst');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix, { clientLimits: { highWaterBytes: 16 * 1024, maxQueue: 20, maxQueuedBytes: 1024 * 1024, closeGraceMs: 5000 } });
    try {
      const reader = await TestClient.connect(svc.wsUrl);
      await reader.subscribe();
      // Produced in one go, so the stage hands many of them to the fan-out in the same batch.
      await produce(Array.from({ length: 200 }, () => alertRecord(names, serde, makeAlert())));
      await reader.waitFor(() => reader.alerts().length === 200, 60_000, '200 alerts');
      expect(svc.service.hub.evictions).toBe(0);
      await reader.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('a client too slow to keep up is disconnected with a reason while the others get everything', async () => {
    const prefix = uniquePrefix('notify-slow');
    const { names, serde } = await provision(prefix);
    // The fast client reads in this process, so on a loaded machine it too falls behind between fan-outs:
    // the queue bound leaves it room (200 messages beyond the kernel's socket buffers), and the count is
    // well past what the paused client's kernel buffers (up to ~10 MB on loopback) and queue can hold.
    const maxQueue = 200;
    const svc = await startService(prefix, {
      clientLimits: { highWaterBytes: 16 * 1024, maxQueue, maxQueuedBytes: 64 * 1024 * 1024, closeGraceMs: 60_000 },
      // The paused client cannot answer pings either; keep the heartbeat out of this test's way.
      heartbeatMs: 120_000,
      // The fast client reads in this same process: small batches let it read between fan-outs.
      stage: { batchSize: 10, batchWaitMs: 5, lagIntervalMs: 0 },
    });
    try {
      const fast = await TestClient.connect(svc.wsUrl);
      const slow = await TestClient.connect(svc.wsUrl);
      await fast.subscribe();
      await slow.subscribe();
      // The slow client stops reading its socket: the kernel buffers fill, then the service's queue for it.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = 'x'.repeat(64 * 1024);
      const count = 600;
      for (let i = 0; i < count; i += 50) {
        await produce(Array.from({ length: 50 }, () => alertRecord(names, serde, makeAlert({ title: `large alert ${big}` }))));
      }
      await fast.waitFor(() => fast.alerts().length === count, 60_000, `${count} alerts on the fast client`);
      expect(svc.service.hub.evictions).toBe(1);
      expect([...svc.service.hub.clients].every((c) => c.queued <= maxQueue)).toBe(true);
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const closed = await slow.closed;
      expect(closed.code).toBe(4008);
      expect(closed.reason).toBe(`slow consumer: send queue exceeded ${maxQueue} messages`);
      expect(slow.alerts().length).toBeLessThan(count);
      await fast.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);
});
