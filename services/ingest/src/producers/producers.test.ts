import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiKeyring, hashApiKey, parseApiKeys, presentedKey, readApiKeys } from './api-keys';
import { RateLimiter } from './rate-limit';

describe('API keys', () => {
  const hash = hashApiKey('s3cret');

  test('a key is recognised by its SHA-256 hash and names its producer', () => {
    const ring = new ApiKeyring(parseApiKeys(`acme:${hash},other:${hashApiKey('x')}`, 'test'));
    expect(ring.verify('s3cret')).toMatchObject({ producer: 'acme', label: `acme/${hash.slice(0, 8)}` });
    expect(ring.verify('s3cret ')).toBeUndefined();
    expect(ring.verify('')).toBeUndefined();
  });

  test('a mounted file holds one entry per line; comments and blank lines are skipped', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')), 'keys');
    fs.writeFileSync(file, `# producers\nacme:${hash}\n\nnews-feed:${hashApiKey('n')}  # rotated 2024-05\n`);
    const keys = readApiKeys({ file, inline: `extra:${hashApiKey('e')}` });
    expect(keys.map((k) => k.producer)).toEqual(['extra', 'acme', 'news-feed']);
  });

  test('a bad entry names its source, position and the expected form', () => {
    expect(() => parseApiKeys(`acme:${hash},acme:nothex`, 'INGEST_API_KEYS')).toThrow(/^INGEST_API_KEYS, entry 2: expected producerName:sha256hex/);
    expect(() => readApiKeys({})).toThrow(/no API keys configured/);
    expect(() => readApiKeys({ file: '/nonexistent/keys' })).toThrow(/INGEST_API_KEYS_FILE=\/nonexistent\/keys: cannot read/);
  });

  test('the key comes from a bearer token or X-API-Key', () => {
    expect(presentedKey('Bearer abc', undefined)).toBe('abc');
    expect(presentedKey(undefined, 'xyz')).toBe('xyz');
    expect(presentedKey('Basic abc', undefined)).toBeUndefined();
    expect(presentedKey(undefined, undefined)).toBeUndefined();
  });
});

describe('RateLimiter (token bucket counted in events)', () => {
  test('allows the burst, refills at the rate, and says how long to wait', () => {
    const limiter = new RateLimiter(100, 200);
    expect(limiter.take('k', 150, 0)).toBe(0);
    expect(limiter.take('k', 100, 0)).toBeCloseTo(0.5); // 50 left; 50 more take 0.5 s
    expect(limiter.take('k', 100, 500)).toBe(0);
    expect(limiter.take('other', 200, 500)).toBe(0); // buckets are per key
    expect(limiter.take('k', 10, 10_000)).toBe(0);
    expect(limiter.take('k', 191, 10_000)).toBeCloseTo(0.01); // never more than the burst
  });
});
