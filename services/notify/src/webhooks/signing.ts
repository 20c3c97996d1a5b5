import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook payloads are signed like Stripe's: HMAC-SHA256 over `${timestamp}.${body}` with the
 * subscription's secret, sent as `X-Sluice-Signature: sha256=<hex>` beside `X-Sluice-Timestamp`
 * (Unix seconds). Signing the timestamp lets a receiver refuse replays of an old, validly signed body.
 */
export const SIGNATURE_HEADER = 'X-Sluice-Signature';
export const TIMESTAMP_HEADER = 'X-Sluice-Timestamp';
export const IDEMPOTENCY_HEADER = 'X-Sluice-Idempotency-Key';
export const ATTEMPT_HEADER = 'X-Sluice-Attempt';

export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** Oldest timestamp accepted, in seconds before now (default 300). */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/** What a receiver runs: true when the signature matches and the timestamp is recent. */
export function verifySignature(secret: string, signature: string | undefined, timestamp: string | undefined, body: string, options: VerifyOptions = {}): boolean {
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
