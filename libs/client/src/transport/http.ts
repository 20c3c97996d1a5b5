import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { parseRetryAfter } from '../retry';
import type { HttpTarget } from '../types';
import { allOutcomes, type AttemptOutcome, type EventOutcome, type PreparedEvent, type Transport } from './types';

const BATCH_PATH = '/v1/events/batch';
const gzip = promisify(gzipCallback);

export interface HttpCompression {
  /** gzip bodies of at least `aboveBytes` (ingest inflates them, bounded by INGEST_MAX_BODY_BYTES), or send them as they are. */
  encoding: 'gzip' | 'none';
  aboveBytes: number;
}

export const DEFAULT_COMPRESSION: HttpCompression = { encoding: 'gzip', aboveBytes: 4096 };

/**
 * Sends batches to ingest's POST /v1/events/batch as a JSON array, gzipped (Content-Encoding: gzip)
 * when the body is large enough for it to pay. Compression runs on libuv's thread pool.
 */
export class HttpTransport implements Transport {
  readonly name = 'http' as const;
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly controllers = new Set<AbortController>();

  /** Bodies sent, and how many of their bytes went over the wire (after compression). */
  readonly sent = { bodies: 0, gzipped: 0, bytes: 0, wireBytes: 0 };

  constructor(
    target: HttpTarget,
    private readonly requestTimeoutMs: number,
    private readonly compression: HttpCompression = DEFAULT_COMPRESSION,
  ) {
    if (compression.encoding !== 'gzip' && compression.encoding !== 'none') throw new Error(`compression: expected "gzip" or "none", got ${JSON.stringify(compression.encoding)}`);
    if (!(compression.aboveBytes >= 0)) throw new Error(`compressAboveBytes: expected a number of bytes of at least 0, got ${compression.aboveBytes}`);
    let base: URL;
    try {
      base = new URL(target.url);
    } catch {
      throw new Error(`url: expected the absolute http(s) URL of ingest (for example http://127.0.0.1:8080), got ${JSON.stringify(target.url)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`url: expected an http or https URL, got ${JSON.stringify(target.url)}`);
    if (typeof target.apiKey !== 'string' || target.apiKey.length === 0) throw new Error('apiKey: expected the producer API key ingest was configured with (INGEST_API_KEYS holds its SHA-256)');
    this.endpoint = base.href.replace(/\/+$/, '') + BATCH_PATH;
    this.headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (target.apiKeyHeader === 'x-api-key') this.headers['X-API-Key'] = target.apiKey;
    else this.headers.Authorization = `Bearer ${target.apiKey}`;
  }

  async send(batch: PreparedEvent[]): Promise<AttemptOutcome> {
    let body = '[';
    for (let i = 0; i < batch.length; i++) body += (i ? ',' : '') + batch[i].json;
    body += ']';
    const raw = Buffer.from(body);
    let payload: Buffer = raw;
    let headers = this.headers;
    if (this.compression.encoding === 'gzip' && raw.length >= this.compression.aboveBytes) {
      payload = await gzip(raw);
      headers = { ...this.headers, 'Content-Encoding': 'gzip' };
      this.sent.gzipped++;
    }
    this.sent.bodies++;
    this.sent.bytes += raw.length;
    this.sent.wireBytes += payload.length;
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
    try {
      const res = await fetch(this.endpoint, { method: 'POST', headers, body: payload, signal: controller.signal });
      const text = await res.text();
      return interpretResponse(res.status, res.headers.get('retry-after'), text, batch.length);
    } catch (err) {
      // Network trouble or our own timeout: the events may or may not have arrived; resending the same ids is safe.
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const detail = controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? 'aborted') : (e.cause?.code ?? e.cause?.message ?? e.message);
      return allOutcomes(batch.length, { status: 'retry', reason: `POST ${this.endpoint} failed: ${detail}` });
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  async close(): Promise<void> {
    // Nothing is pooled beyond fetch's own keep-alive connections, which close when idle.
  }
}

interface BatchBody {
  results?: Array<{ status?: string; id?: string; reasons?: unknown }>;
  error?: string;
  reason?: string;
  reasons?: unknown;
}

/** An event's reasons without the batch position the server prefixes (the caller never saw our batches). */
export function stripPosition(reason: string): string {
  return reason.replace(/^events\[\d+\](\.|:\s*|$)/, '').replace(/^:\s*/, '') || reason;
}

function describe(status: number, body: BatchBody | undefined, text: string): string {
  if (body && (body.error || body.reason)) return `ingest answered ${status} ${body.error ?? ''}${body.reason ? `: ${body.reason}` : ''}`.trim();
  return `ingest answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/**
 * Reads ingest's answer to a batch (pure, unit-tested): 202/207, and 400 when every event was invalid,
 * carry one result per event; 429 and 503 mean "later" (Retry-After); 413 means "smaller"; 401, 403 and
 * 415 will not change by retrying; other 5xx are retried.
 */
export function interpretResponse(status: number, retryAfter: string | null, text: string, count: number, now = Date.now()): AttemptOutcome {
  let body: BatchBody | undefined;
  try {
    body = text ? (JSON.parse(text) as BatchBody) : undefined;
  } catch {
    body = undefined;
  }
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  if (body && Array.isArray(body.results) && (status === 202 || status === 207 || status === 400)) {
    if (body.results.length !== count) {
      return allOutcomes(count, { status: 'retry', reason: `ingest answered ${status} with ${body.results.length} results for ${count} events` });
    }
    const events: EventOutcome[] = body.results.map((r) =>
      r.status === 'accepted'
        ? { status: 'accepted' }
        : { status: 'rejected', reasons: Array.isArray(r.reasons) ? r.reasons.map((x) => stripPosition(String(x))) : ['rejected by ingest without a reason'] },
    );
    return { events };
  }
  const why = describe(status, body, text);
  if (status === 429 || status === 503) return allOutcomes(count, { status: 'retry', reason: why }, { retryAfterMs, overloaded: true });
  if (status === 413) {
    if (count > 1) return { events: allOutcomes(count, { status: 'retry', reason: why }).events, split: why };
    return allOutcomes(count, { status: 'rejected', reasons: [body?.reason ?? why] });
  }
  if (status === 408 || status === 425 || status >= 500) return allOutcomes(count, { status: 'retry', reason: why }, { retryAfterMs });
  if (status === 202 && count === 1 && body && (body as { status?: string }).status === 'accepted') return { events: [{ status: 'accepted' }] };
  return allOutcomes(count, { status: 'failed', reason: why });
}
