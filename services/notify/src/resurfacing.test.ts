import { produce, provision, sleep, uniquePrefix } from '../../../test/support/kafka';
import { TestClient, alertRecord, makeAlert, startService } from './test-helpers';

describe('dedup window and re-surfacing against the real broker', () => {
  test('one dedup key: delivered once per window, resurfaced after the window or an acknowledgement, never duplicated', async () => {
    const prefix = uniquePrefix('notify-dedup');
    const { names, serde } = await provision(prefix);
    const windowMs = 10_000;
    const svc = await startService(prefix, { dedupWindowMs: windowMs });
    try {
      const analyst = await TestClient.connect(svc.wsUrl);
      await analyst.subscribe();
      const base = makeAlert({ dedupKey: 'keyword-spike:keyword:outage', title: 'Outage is spiking' });
      const other = makeAlert({ dedupKey: 'keyword-spike:keyword:breach', title: 'Breach is spiking' });
      const t0 = Date.now() - 60_000;
      // Kafka timestamps are the clock of the window, so the sequence is set explicitly.
      await produce([
        alertRecord(names, serde, { ...base, title: 'first' }, t0),
        alertRecord(names, serde, { ...base, title: 'same window' }, t0 + 1000),
        alertRecord(names, serde, other, t0 + 2000),
        alertRecord(names, serde, { ...base, title: 'after the window' }, t0 + windowMs),
        alertRecord(names, serde, { ...base, title: 'same window again' }, t0 + windowMs + 5000),
      ]);
      await analyst.waitFor(() => analyst.alerts().length === 3);
      await sleep(300);
      // The two keys may sit on different partitions, so only the order within a key is fixed.
      expect(analyst.alerts().map((m) => [m.alert.title, m.status, m.resurfaced]).sort()).toEqual([
        ['Breach is spiking', 'new', false],
        ['after the window', 'resurfaced', true],
        ['first', 'new', false],
      ]);
      expect(analyst.alerts().filter((m) => m.alert.dedupKey === base.dedupKey).map((m) => m.alert.title)).toEqual(['first', 'after the window']);

      // Acknowledged: the next firing comes back at once, even within the window; earlier records stay folded.
      const resurfaced = analyst.alerts().find((m) => m.alert.title === 'after the window')!;
      analyst.send({ type: 'ack', id: resurfaced.id });
      await analyst.waitFor((ms) => ms.some((m) => m.type === 'acked'));
      expect(analyst.messages.find((m) => m.type === 'acked')).toMatchObject({ id: resurfaced.id, dedupKey: base.dedupKey, by: 'alice' });
      await produce([
        alertRecord(names, serde, { ...base, title: 'redelivered from before the ack' }, t0 + windowMs + 6000),
        alertRecord(names, serde, { ...base, title: 'after the ack' }, Date.now() + 10),
        alertRecord(names, serde, { ...base, title: 'right after that' }, Date.now() + 20),
      ]);
      await analyst.waitFor(() => analyst.alerts().length === 4);
      await sleep(300);
      expect(analyst.alerts().slice(3).map((m) => [m.alert.title, m.status])).toEqual([['after the ack', 'resurfaced']]);

      // Unknown ids are refused with a reason.
      analyst.send({ type: 'ack', id: '9-999999' });
      await analyst.waitFor((ms) => ms.some((m) => m.type === 'error' && m.request === 'ack'));
      expect(analyst.messages.find((m) => m.type === 'error')!.error).toMatch(/alert 9-999999 is unknown/);

      // A client reading everything back from Kafka sees the very same notifications: same statuses, no duplicates.
      const replayer = await TestClient.connect(svc.wsUrl);
      await replayer.subscribe({ cursor: '0:0,1:0,2:0' });
      await replayer.waitFor((ms) => ms.some((m) => m.type === 'caughtUp'));
      const statuses = (c: TestClient) => c.alerts().map((m) => `${m.id} ${m.status}`).sort();
      expect(statuses(replayer)).toEqual(statuses(analyst));
      expect(replayer.alerts().every((m) => m.replay)).toBe(true);
      await analyst.close();
      await replayer.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);
});
