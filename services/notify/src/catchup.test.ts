import { ReliableProducer } from '@sluice/runtime';
import { BROKERS, produce, provision, sleep, uniquePrefix } from '../../../test/support/kafka';
import { TestClient, alertRecord, makeAlert, startService, type Msg } from './test-helpers';

const ids = (ms: Msg[]) => ms.map((m) => m.id as string);
const offsetOf = (id: string) => Number(id.split('-')[1]);
const partitionOf = (id: string) => Number(id.split('-')[0]);

function expectPartitionOrder(messages: Msg[]): void {
  const last = new Map<number, number>();
  for (const id of ids(messages)) {
    expect(offsetOf(id)).toBeGreaterThan(last.get(partitionOf(id)) ?? -1);
    last.set(partitionOf(id), offsetOf(id));
  }
}

describe('reconnect and catch-up from Kafka', () => {
  test('a client reconnecting with its cursor gets every alert it missed, none twice, then the live stream without a seam', async () => {
    const prefix = uniquePrefix('notify-catchup');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix);
    try {
      const control = await TestClient.connect(svc.wsUrl);
      await control.subscribe();
      const first = await TestClient.connect(svc.wsUrl);
      await first.subscribe();

      await produce(Array.from({ length: 12 }, () => alertRecord(names, serde, makeAlert())));
      await first.waitFor(() => first.alerts().length === 12);
      const cursor = first.alerts()[11].cursor as string;
      await first.close();

      // Missed while disconnected.
      await produce(Array.from({ length: 15 }, () => alertRecord(names, serde, makeAlert())));
      await control.waitFor(() => control.alerts().length === 27);

      // And more keep arriving while the client reconnects and catches up.
      const producer = new ReliableProducer({ brokers: BROKERS, clientId: 'trickle' });
      await producer.connect();
      const trickle = (async () => {
        for (let i = 0; i < 30; i++) {
          await producer.send([alertRecord(names, serde, makeAlert())]);
          await sleep(15);
        }
      })().finally(() => producer.disconnect());
      await sleep(40);
      const again = await TestClient.connect(svc.wsUrl);
      const reply = await again.subscribe({ cursor });
      expect(reply).toMatchObject({ catchingUp: true, cursor });
      await trickle;
      await control.waitFor(() => control.alerts().length === 57, 60_000, '57 alerts on the control client');
      await again.waitFor((ms) => ms.some((m) => m.type === 'caughtUp') && again.alerts().length >= 45, 60_000, 'catch-up and the live tail');
      await sleep(300); // anything duplicated would arrive now

      const before = ids(first.alerts());
      const after = ids(again.alerts());
      expect(new Set(after).size).toBe(after.length); // none twice
      expect(after.filter((id) => before.includes(id))).toEqual([]);
      expect([...before, ...after].sort()).toEqual(ids(control.alerts()).sort()); // no gap
      expectPartitionOrder(again.alerts());
      // The missed ones came back from Kafka, flagged as replayed.
      const missed = ids(control.alerts()).slice(12, 27);
      expect(again.alerts().filter((m) => missed.includes(m.id)).every((m) => m.replay === true)).toBe(true);
      const caughtUp = again.messages.find((m) => m.type === 'caughtUp')!;
      expect(caughtUp.replayed).toBeGreaterThanOrEqual(15);
      // Every alert after the catch-up is live.
      const tail = again.messages.slice(again.messages.indexOf(caughtUp) + 1).filter((m) => m.type === 'alert');
      expect(tail.every((m) => m.replay === false)).toBe(true);

      // Still live afterwards.
      await produce([alertRecord(names, serde, makeAlert({ title: 'after the catch-up' }))]);
      await again.waitFor(() => again.alerts().some((m) => m.alert.title === 'after the catch-up'));
      await control.close();
      await again.close();
    } finally {
      await svc.stop();
    }
  }, 180_000);

  test('a cursor that is up to date replays nothing', async () => {
    const prefix = uniquePrefix('notify-uptodate');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix);
    try {
      const c = await TestClient.connect(svc.wsUrl);
      await c.subscribe();
      await produce(Array.from({ length: 4 }, () => alertRecord(names, serde, makeAlert())));
      await c.waitFor(() => c.alerts().length === 4);
      const cursor = c.alerts()[3].cursor;
      await c.close();
      const back = await TestClient.connect(svc.wsUrl);
      await back.subscribe({ cursor });
      await back.waitFor((ms) => ms.some((m) => m.type === 'caughtUp'));
      expect(back.alerts()).toEqual([]);
      expect(back.messages.find((m) => m.type === 'caughtUp')).toMatchObject({ replayed: 0 });
      await back.close();
    } finally {
      await svc.stop();
    }
  }, 120_000);

  test('across a service restart: alerts raised while the service was down reach the returning client, and dedup state survives', async () => {
    const prefix = uniquePrefix('notify-restart');
    const { names, serde } = await provision(prefix);
    const repeated = makeAlert({ title: 'fires twice around the restart' });
    let svc = await startService(prefix);
    let cursor: string;
    try {
      const c = await TestClient.connect(svc.wsUrl);
      await c.subscribe();
      await produce([repeated, makeAlert(), makeAlert()].map((a) => alertRecord(names, serde, a)));
      await c.waitFor(() => c.alerts().length === 3);
      cursor = c.alerts()[2].cursor;
      await c.close();
    } finally {
      await svc.stop();
    }

    const whileDown = Array.from({ length: 7 }, () => makeAlert());
    await produce(whileDown.map((a) => alertRecord(names, serde, a)));
    svc = await startService(prefix);
    try {
      const back = await TestClient.connect(svc.wsUrl);
      await back.subscribe({ cursor });
      await back.waitFor(() => back.alerts().length >= 7, 30_000, 'the alerts raised while the service was down');
      // The same dedup key again, within the window: the restarted service still knows it.
      await produce([alertRecord(names, serde, { ...repeated, firedAt: Date.now() }), alertRecord(names, serde, makeAlert({ title: 'the last one' }))]);
      await back.waitFor(() => back.alerts().some((m) => m.alert.title === 'the last one'));
      await sleep(300);
      const titles = back.alerts().map((m) => m.alert.title);
      expect(titles.sort()).toEqual([...whileDown.map((a) => a.title), 'the last one'].sort());
      expect(new Set(ids(back.alerts())).size).toBe(back.alerts().length);
      await back.close();
    } finally {
      await svc.stop();
    }
  }, 180_000);
});
