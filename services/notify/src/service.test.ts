import type { Alert } from '@sluice/contracts';
import type { InRecord } from '@sluice/runtime';
import { NotifyService } from './service';
import { logger, makeAlert } from './test-helpers';

/** The stage handler on its own: decoded records in, decisions and live positions out (no Kafka). */
function service(windowMs = 60_000) {
  return new NotifyService({ brokers: ['127.0.0.1:1'], registryUrl: 'http://127.0.0.1:1', tokens: [{ name: 'alice', token: 'alice-token-0123456789' }], dedupWindowMs: windowMs }, logger);
}

const record = (partition: number, offset: number, timestamp: number, value: Alert): InRecord<Alert> => ({
  topic: 'sluice.alerts.v1',
  topicKey: 'alerts',
  partition,
  offset,
  timestamp,
  key: Buffer.from(value.dedupKey),
  headers: {},
  value,
  raw: null,
});

describe('notify stage handler', () => {
  test('decides each record once, advances the live position over suppressed ones, and ignores redeliveries', async () => {
    const s = service(10_000);
    try {
      const a = makeAlert({ dedupKey: 'k-a' });
      const b = makeAlert({ dedupKey: 'k-b' });
      s.handle([record(0, 0, 1000, a), record(0, 1, 2000, a), record(1, 0, 2500, b), record(0, 2, 11_000, a)]);
      expect(['0-0', '0-1', '1-0', '0-2'].map((id) => s.decisions.get(id)?.status)).toEqual(['new', 'duplicate', 'new', 'resurfaced']);
      expect(s.hub.liveCursor).toBe('0:3,1:1');

      // The same records again (a redelivery after a rebalance): nothing is decided twice.
      s.handle([record(0, 1, 2000, a), record(0, 2, 11_000, a)]);
      expect(s.decisions.get('0-2')?.status).toBe('resurfaced');
      expect(s.dedup.size).toBe(2);

      // Acknowledging by alert id makes the key's next firing surface again.
      expect(s.ack('0-2', 'alice')).toEqual({ ok: true, id: '0-2', dedupKey: 'k-a' });
      s.handle([record(0, 3, Date.now() + 5, a)]);
      expect(s.decisions.get('0-3')?.status).toBe('resurfaced');
      expect(s.ack('7-7', 'alice')).toMatchObject({ ok: false });
      expect(s.ack('nonsense', 'alice')).toEqual({ ok: false, error: 'alert id "nonsense": expected "<partition>-<offset>", for example "2-1045"' });
    } finally {
      await s.hub.close();
    }
  });
});
