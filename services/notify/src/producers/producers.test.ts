import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { ProducerKeyring, hashProducerKey, loadProducerKeys, parseProducerKeys } from '.';

const req = (headers: Record<string, string>) => ({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }) as unknown as IncomingMessage;

describe('producer keys', () => {
  test("parse ingest's producer:sha256hex format; a bad entry is named without echoing it", () => {
    const keys = parseProducerKeys(`acme:${hashProducerKey('k1')}\n# a comment\n, beta.co:${hashProducerKey('k2').toUpperCase()}`, 'NOTIFY_PRODUCER_KEYS');
    expect(keys.map((k) => k.producer)).toEqual(['acme', 'beta.co']);
    expect(() => parseProducerKeys('acme:my-raw-secret-key', 'NOTIFY_PRODUCER_KEYS')).toThrow('NOTIFY_PRODUCER_KEYS, entry 1: expected producerName:sha256hex');
    try {
      parseProducerKeys('acme:my-raw-secret-key', 'X');
    } catch (e) {
      expect((e as Error).message).not.toContain('my-raw-secret-key');
    }
  });

  test("notify's own variables win; ingest's are the fallback; files are read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-keys-'));
    const file = path.join(dir, 'keys');
    fs.writeFileSync(file, `filed:${hashProducerKey('f')}\n`);
    const ingestOnly = loadProducerKeys({ INGEST_API_KEYS: `acme:${hashProducerKey('a')}`, INGEST_API_KEYS_FILE: file });
    expect(ingestOnly.keys.map((k) => k.producer)).toEqual(['acme', 'filed']);
    expect(ingestOnly.from).toEqual(['INGEST_API_KEYS', 'INGEST_API_KEYS_FILE']);
    const own = loadProducerKeys({ NOTIFY_PRODUCER_KEYS_FILE: file, INGEST_API_KEYS: `acme:${hashProducerKey('a')}` });
    expect(own.keys.map((k) => k.producer)).toEqual(['filed']);
    expect(loadProducerKeys({}).keys).toEqual([]);
    expect(() => loadProducerKeys({ NOTIFY_PRODUCER_KEYS_FILE: path.join(dir, 'missing') })).toThrow(/NOTIFY_PRODUCER_KEYS_FILE=.*missing: cannot read the producer key file/);
  });

  test('authenticates by Bearer or X-API-Key; missing is 401, unknown is 403', () => {
    const ring = new ProducerKeyring(parseProducerKeys(`acme:${hashProducerKey('acme-key')},beta:${hashProducerKey('beta-key')}`, 'test'));
    expect(ring.authenticate(req({ Authorization: 'Bearer acme-key' }))).toEqual({ ok: true, producer: 'acme' });
    expect(ring.authenticate(req({ 'X-API-Key': 'beta-key' }))).toEqual({ ok: true, producer: 'beta' });
    expect(ring.authenticate(req({}))).toMatchObject({ ok: false, status: 401 });
    expect(ring.authenticate(req({ Authorization: 'Basic abc' }))).toMatchObject({ ok: false, status: 401 });
    expect(ring.authenticate(req({ Authorization: 'Bearer beta-key-not' }))).toMatchObject({ ok: false, status: 403 });
    expect(new ProducerKeyring([]).authenticate(req({ Authorization: 'Bearer acme-key' }))).toMatchObject({ ok: false, status: 403 });
  });
});
