import { createHmac } from 'node:crypto';
import { WebhookProgress, fullJitterDelay, isRetryableStatus, retryAfterMs, signPayload, verifySignature } from '.';

describe('webhook signing', () => {
  test('the signature is HMAC-SHA256 over "timestamp.body", hex, prefixed sha256=', () => {
    const body = '{"type":"alert","id":"0-1"}';
    const expected = createHmac('sha256', 'a-shared-secret-123').update(`1700000000.${body}`).digest('hex');
    expect(signPayload('a-shared-secret-123', 1700000000, body)).toBe(`sha256=${expected}`);
  });

  test('a receiver verifies the signature and refuses tampering, other secrets and stale timestamps', () => {
    const body = '{"a":1}';
    const sig = signPayload('secret-secret-secret', 1000, body);
    expect(verifySignature('secret-secret-secret', sig, '1000', body, { nowSeconds: 1010 })).toBe(true);
    expect(verifySignature('secret-secret-secret', sig, '1000', '{"a":2}', { nowSeconds: 1010 })).toBe(false);
    expect(verifySignature('another-secret-value', sig, '1000', body, { nowSeconds: 1010 })).toBe(false);
    expect(verifySignature('secret-secret-secret', sig, '1001', body, { nowSeconds: 1010 })).toBe(false);
    expect(verifySignature('secret-secret-secret', sig, '1000', body, { nowSeconds: 5000 })).toBe(false);
    expect(verifySignature('secret-secret-secret', undefined, '1000', body)).toBe(false);
  });
});

describe('retry backoff', () => {
  test('full jitter: uniform below an exponentially growing, capped ceiling', () => {
    expect(fullJitterDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(2, 100, 10_000, () => 0.5)).toBe(100);
    expect(fullJitterDelay(4, 100, 10_000, () => 0.5)).toBe(400);
    expect(fullJitterDelay(20, 100, 10_000, () => 0.5)).toBe(5000);
    expect(fullJitterDelay(3, 100, 10_000, () => 0)).toBe(0);
    const samples = Array.from({ length: 1000 }, () => fullJitterDelay(5, 100, 10_000));
    expect(Math.max(...samples)).toBeLessThan(1600);
    expect(new Set(samples).size).toBeGreaterThan(100);
  });

  test('Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  test('timeouts, throttling and server errors are retried; other client errors are not', () => {
    expect([408, 429, 500, 502, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422].some(isRetryableStatus)).toBe(false);
  });
});

describe('webhook progress', () => {
  test('the committable offset stops at the lowest unsettled alert', () => {
    const p = new WebhookProgress();
    p.start(0, 10);
    expect(p.committable().get(0)).toBe(10);
    p.processed(0, 10, 2);
    p.processed(0, 11, 0);
    p.processed(0, 12, 1);
    expect(p.committable().get(0)).toBe(10);
    p.settled(0, 10);
    expect(p.committable().get(0)).toBe(10); // one of its two subscriptions is still outstanding
    p.settled(0, 12);
    expect(p.committable().get(0)).toBe(10);
    p.settled(0, 10);
    expect(p.committable().get(0)).toBe(13);
  });
});
