/**
 * Confirmations and gzip against the real thing: ingest and notify as their own processes
 * (services/<name>/dist/main.js; build them with `npx tsc -b services/ingest services/notify`), the
 * broker and the registry. The test stands in for persist: it writes Confirmation records to the
 * confirmations topic, keyed by producer, as persist does after each commit.
 */
import { createHash } from 'node:crypto';
import type { Confirmation, RawEvent } from '@sluice/contracts';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, readTopic, uniquePrefix } from '../../../../test/support/kafka';
import { startService, type ServiceProcess } from '../../../../test/support/processes';
import { ConfirmationTimeout, ConfirmationsRefused, createClient, type EventInput } from '..';

const ACME_KEY = 'acme-client-key-5f2a9c1e';
const BETA_KEY = 'beta-client-key-0d7e4b33';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let seq = 0;
const event = (): EventInput => {
  seq++;
  return { source: 'twitter', kind: 'POST', occurredAt: Date.now() - 1000, author: { id: `author-${seq % 3}` }, text: `power is back in district ${seq} #update ${'·'.repeat(40)}` };
};

describe('client confirmations and gzip against real ingest and notify processes', () => {
  const prefix = uniquePrefix('client-confirm');
  let ingest: ServiceProcess;
  let notify: ServiceProcess;
  let names: Awaited<ReturnType<typeof provision>>['names'];
  let serde: Awaited<ReturnType<typeof provision>>['serde'];

  beforeAll(async () => {
    ({ names, serde } = await provision(prefix));
    const common = { KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    // One secret for both services: notify falls back to ingest's INGEST_API_KEYS.
    const keys = `acme:${sha256(ACME_KEY)},beta:${sha256(BETA_KEY)}`;
    [ingest, notify] = await Promise.all([
      startService('ingest', { ...common, INGEST_API_KEYS: keys, INGEST_LAG_INTERVAL_MS: '0' }),
      startService('notify', { ...common, INGEST_API_KEYS: keys, NOTIFY_TOKENS: 'ops:ops-token-0123456789abcdef' }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([ingest?.stop(), notify?.stop()]);
  });

  const confirm = (producer: string, eventIds: string[]) =>
    produce([{ topic: names.topic('confirmations'), key: producer, value: serde.encode('confirmations', { producer, eventIds, stage: 'persisted', committedAt: Date.now() } satisfies Confirmation) }]);

  it('sends batches gzipped to ingest, which accepts them; waitForConfirmation resolves for confirmed ids, including ones confirmed before the call', async () => {
    const client = createClient({ transport: 'http', url: ingest.url, apiKey: ACME_KEY, notifyUrl: notify.url }, { lingerMs: 5, compressAboveBytes: 1024 });
    const results = await client.sendAll(Array.from({ length: 40 }, event));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    const http = client.stats().http!;
    expect(http.gzipped).toBeGreaterThan(0);
    expect(http.wireBytes).toBeLessThan(http.bytes);
    const ids = results.map((r) => r.id);

    // Ingest inflated the gzip body: every event is in the raw topic, stamped with its producer.
    const raw = await readTopic(names.topic('raw'), 40, 30_000);
    const events = await Promise.all(raw.map((r) => serde.decode<RawEvent>('raw', r.value)));
    expect(events.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(events.every((e) => e.producer === 'acme')).toBe(true);

    // Persist confirms the first 15 before anyone waits: the client remembers them.
    await confirm('acme', ids.slice(0, 15));
    await eventually(async () => (client.stats().confirmations?.confirmed ?? 0) >= 15, 30_000, 50);
    const early = await client.waitForConfirmation(ids.slice(0, 15), { timeoutMs: 1000 });
    expect(early.map((c) => c.id)).toEqual(ids.slice(0, 15));
    expect(early.every((c) => c.stage === 'persisted' && c.committedAt > 0)).toBe(true);

    // Waiting first, confirmed after, in two transactions.
    const waiting = client.waitForConfirmation(ids.slice(15, 30), 30_000);
    await confirm('acme', ids.slice(15, 22));
    await confirm('acme', ids.slice(22, 30));
    expect((await waiting).map((c) => c.id)).toEqual(ids.slice(15, 30));

    // Another producer's confirmation of one of these ids does not count for acme: it times out, named.
    await confirm('beta', [ids[30]]);
    const started = Date.now();
    const timedOut = await client.waitForConfirmation(ids, { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ConfirmationTimeout);
    const t = timedOut as ConfirmationTimeout;
    expect(t.missing.sort()).toEqual(ids.slice(30).sort());
    expect(t.confirmed).toHaveLength(30);
    expect(t.message).toMatch(/^no confirmation within 1500 ms for 10 of 40 events: /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await client.close();
  }, 120_000);

  it('a small body is sent as it is; compression can be turned off', async () => {
    const client = createClient({ transport: 'http', url: ingest.url, apiKey: BETA_KEY }, { lingerMs: 0 });
    expect((await client.send(event())).status).toBe('accepted');
    const off = createClient({ transport: 'http', url: ingest.url, apiKey: BETA_KEY }, { lingerMs: 5, compression: 'none' });
    expect((await off.sendAll(Array.from({ length: 30 }, event))).every((r) => r.status === 'accepted')).toBe(true);
    expect(client.stats().http).toMatchObject({ bodies: 1, gzipped: 0 });
    expect(off.stats().http!.gzipped).toBe(0);
    await Promise.all([client.close(), off.close()]);
  }, 60_000);

  it('a key notify does not know is refused with a typed error, not a timeout', async () => {
    const stranger = createClient({ transport: 'http', url: ingest.url, apiKey: 'not-a-known-key-123', notifyUrl: notify.url });
    const e = await stranger.waitForConfirmation('whatever', { timeoutMs: 20_000 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfirmationsRefused);
    expect((e as ConfirmationsRefused).status).toBe(403);
    await stranger.close();
  }, 60_000);
});
