import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import type { Logger, OutRecord } from '@sluice/runtime';
import type { RawEvent } from '@sluice/contracts';
import { EventValidator, eventKey, type EventCheck, type RawEventEncoder } from '../events';
import { ingestMetrics } from '../metrics';
import { presentedKey, type ApiKeyring, type RateLimiter } from '../producers';
import type { LoadShedder } from '../shedding';
import { KafkaUnavailable, type EventSink } from '../sink';
import { BodyTooLarge, LineError, contentType, discardRest, parseNdjson, readBody } from './body';
import { openApiDocument } from './openapi';

export interface IngestLimits {
  maxBatchEvents: number;
  maxBodyBytes: number;
}

/** What the routes need; createIngestApp builds them from config. */
export interface IngestParts {
  keyring: ApiKeyring;
  limiter: RateLimiter;
  /** Absent when lag is not watched (INGEST_LAG_INTERVAL_MS=0). */
  shedder?: LoadShedder;
  sink: EventSink;
  /** Confluent-framed Avro of valid RawEvents (the schema and id AvroSerde registered for the raw topic). */
  encoder: Pick<RawEventEncoder, 'encodeAll'>;
  rawTopic: string;
  limits: IngestLimits;
  logger?: Logger;
  validator?: EventValidator;
}

type Route = 'event' | 'batch';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });



const ROUTE_PATHS: Record<Route, string> = { event: '/v1/events', batch: '/v1/events/batch' };

/** Serves one HTTP request if it is an ingest API route; returns false when it is not. */
export type IngestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The ingest API as a plain Node request handler: POST /v1/events, POST /v1/events/batch and GET
 * /openapi.json. Bodies are read raw and parsed once: no body-parser, no re-serialisation.
 */
export function createIngestHandler(parts: IngestParts): IngestHandler {
  const validator = parts.validator ?? new EventValidator();
  const counters = new Map<string, { inc(n?: number): void }>();
  const countRequest = (route: Route, status: number) => {
    const k = `${route}:${status}`;
    let c = counters.get(k);
    if (!c) counters.set(k, (c = ingestMetrics.requests.labels(ROUTE_PATHS[route], String(status))));
    c.inc();
  };
  const accepted = ingestMetrics.events.labels('accepted');
  const rejected = ingestMetrics.events.labels('rejected');
  const failed = ingestMetrics.events.labels('failed');
  const refused = ingestMetrics.events.labels('refused');

  const send = (res: ServerResponse, route: Route, status: number, body: string, headers?: Record<string, string>) => {
    countRequest(route, status);
    // Raw header pairs: cheaper than setHeader's per-header bookkeeping on the hot path.
    const raw = ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))];
    if (headers) for (const h in headers) raw.push(h, headers[h]);
    res.writeHead(status, raw);
    res.end(body);
  };
  const fail = (res: ServerResponse, route: Route, status: number, error: string, reason: string, extra?: Record<string, unknown>, headers?: Record<string, string>) =>
    send(res, route, status, JSON.stringify({ error, reason, ...extra }), headers);

  async function handle(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // 1. Who is sending: before anything else, so strangers learn nothing about the pipeline.
    const presented = presentedKey(req.headers.authorization, req.headers['x-api-key']);
    if (presented === undefined) {
      return fail(res, route, 401, 'unauthenticated', 'no API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"', undefined, {
        'WWW-Authenticate': 'Bearer realm="sluice-ingest"',
      });
    }
    const key = parts.keyring.verify(presented);
    if (!key) return fail(res, route, 403, 'forbidden', 'the API key is not recognised');

    const type = contentType(req.headers['content-type'], route === 'batch');
    if (!type.ok) return fail(res, route, 415, 'unsupported media type', type.reason);

    // 2. Shed before reading the body: it is cheapest to refuse work not yet taken.
    const shedding = parts.shedder?.current();
    if (shedding) {
      return fail(res, route, 429, 'shedding load', shedding.reason, { shedding }, { 'Retry-After': String(shedding.retryAfterSeconds) });
    }

    // 3. The body, bounded.
    const declared = Number(req.headers['content-length']);
    if (declared > parts.limits.maxBodyBytes) {
      discardRest(req, parts.limits.maxBodyBytes);
      return fail(res, route, 413, 'payload too large', `request body is ${declared} bytes; at most ${parts.limits.maxBodyBytes} are accepted (INGEST_MAX_BODY_BYTES)`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, parts.limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        discardRest(req, parts.limits.maxBodyBytes);
        return fail(res, route, 413, 'payload too large', err.message);
      }
      throw err;
    }
    // Producers may gzip large batches; the inflated size is bounded like the body itself.
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'gzip') {
      try {
        body = gunzipSync(body, { maxOutputLength: parts.limits.maxBodyBytes });
      } catch (err) {
        if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return fail(res, route, 413, 'payload too large', `the gzip body inflates past ${parts.limits.maxBodyBytes} bytes (INGEST_MAX_BODY_BYTES)`);
        return fail(res, route, 400, 'invalid gzip', `Content-Encoding is gzip but the body does not inflate: ${(err as Error).message}`);
      }
    } else if (encoding !== 'identity') {
      return fail(res, route, 415, 'unsupported content encoding', `Content-Encoding ${encoding} is not accepted; send gzip or identity`);
    }
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      return fail(res, route, 400, 'invalid UTF-8', 'the body is not valid UTF-8; send UTF-8 encoded JSON');
    }
    let inputs: unknown[];
    if (type.format === 'ndjson') inputs = parseNdjson(text);
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        return fail(res, route, 400, 'invalid JSON', `the body is not valid JSON: ${(err as Error).message}`);
      }
      if (route === 'event') inputs = [parsed];
      else if (Array.isArray(parsed)) inputs = parsed;
      else return fail(res, route, 400, 'invalid batch', `expected a JSON array of events, got ${parsed === null ? 'null' : typeof parsed}`);
    }
    if (inputs.length === 0) return fail(res, route, 400, 'empty batch', 'the batch holds no events');
    if (inputs.length > parts.limits.maxBatchEvents) {
      return fail(res, route, 413, 'too many events', `the batch holds ${inputs.length} events; at most ${parts.limits.maxBatchEvents} are accepted per request (INGEST_MAX_BATCH_EVENTS)`);
    }

    // 4. The rate limit counts events, so it is applied once their number is known.
    const wait = parts.limiter.take(key.label, inputs.length);
    if (wait > 0) {
      refused.inc(inputs.length);
      const retryAfter = Math.max(1, Math.ceil(wait));
      return fail(
        res,
        route,
        429,
        'rate limited',
        `API key ${key.label} may send ${parts.limiter.ratePerSecond} events/s (burst ${parts.limiter.burst}); these ${inputs.length} events fit again in ${retryAfter} s`,
        undefined,
        { 'Retry-After': String(retryAfter) },
      );
    }

    // 5. Validate every event; only valid ones are produced, so nothing rejected is half-written.
    const stamp = { producer: key.producer, receivedAt: Date.now() };
    const checks: EventCheck[] = new Array(inputs.length);
    const valid: RawEvent[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const check: EventCheck =
        input instanceof LineError ? { ok: false, reasons: [`events[${i}]: ${input.reason}`] } : validator.check(input, route === 'batch' ? i : undefined, stamp);
      checks[i] = check;
      if (check.ok) valid.push(check.event);
    }
    // The JSON body is larger than the Avro it becomes, apart from what ingest adds (id, receivedAt, producer).
    const values = parts.encoder.encodeAll(valid, body.length + valid.length * (48 + key.producer.length));
    const records: OutRecord[] = new Array(valid.length);
    for (let i = 0; i < valid.length; i++) records[i] = { topic: parts.rawTopic, key: eventKey(valid[i]), value: values[i], timestamp: stamp.receivedAt };
    const nRejected = inputs.length - records.length;
    if (nRejected) rejected.inc(nRejected);
    if (records.length === 0) {
      if (route === 'event') return send(res, route, 400, JSON.stringify({ error: 'invalid event', reasons: (checks[0] as { reasons: string[] }).reasons }));
      return send(res, route, 400, batchBody(checks, 0, nRejected));
    }

    // 6. Answer only once Kafka has acknowledged every accepted event (acks=all).
    const ackTimer = ingestMetrics.ackSeconds.startTimer();
    try {
      await parts.sink.send(records);
    } catch (err) {
      failed.inc(records.length);
      const reason =
        `${(err as Error).message}. Treat the events as not accepted and retry later; some may already be in the raw topic, ` +
        'so resend them with the ids listed here (downstream stages deduplicate by id)';
      if (!(err instanceof KafkaUnavailable)) parts.logger?.error({ err: (err as Error).message }, 'unexpected produce failure');
      const ids = checks.map((c) => (c.ok ? c.event.id : null));
      return fail(res, route, 503, 'kafka unavailable', reason, { ids }, { 'Retry-After': '5' });
    }
    ackTimer();
    accepted.inc(records.length);
    if (route === 'event') return send(res, route, 202, `{"status":"accepted","id":${JSON.stringify((checks[0] as { event: { id: string } }).event.id)}}`);
    // Mixed batches answer 207 Multi-Status: the valid events are in Kafka, the others need fixing.
    return send(res, route, nRejected ? 207 : 202, batchBody(checks, records.length, nRejected));
  }

  const run = (name: Route, req: IncomingMessage, res: ServerResponse) => {
    handle(name, req, res).catch((err: Error) => {
      parts.logger?.error({ err: err.message }, 'ingest request failed');
      if (!res.headersSent) fail(res, name, 500, 'internal error', err.message);
      else res.destroy();
    });
  };
  const openapi = JSON.stringify(openApiDocument(parts.limits));

  /** Serves the request when it is one of the API's; false when it is not (for the next handler). */
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const name: Route | undefined = path === ROUTE_PATHS.event ? 'event' : path === ROUTE_PATHS.batch ? 'batch' : undefined;
    if (name) {
      if (req.method === 'POST') run(name, req, res);
      else fail(res, name, 405, 'method not allowed', `${ROUTE_PATHS[name]} accepts POST`, undefined, { Allow: 'POST' });
      return true;
    }
    if (path === '/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(openapi);
      return true;
    }
    return false;
  };
}

/**
 * Mounts the ingest API on an express app (the ops server's, beside /metrics, /healthz and /readyz).
 *
 * The API's requests are answered ahead of express's own request setup and router: on the benchmark
 * machine those cost about 150 µs of CPU per request, more than ingesting a single event does (about
 * 60 µs without Kafka), so they would halve single-event throughput. Every other path goes through
 * express unchanged. (A first-class way to do this belongs in the runtime's ops server; see README.)
 */
export function createIngestRoutes(app: express.Express, parts: IngestParts): express.Express {
  const handler = createIngestHandler(parts);
  const expressHandle = (app as unknown as ExpressInternals).handle;
  (app as unknown as ExpressInternals).handle = function handle(req, res, next) {
    if (!handler(req, res)) expressHandle.call(this, req, res, next);
  };
  return app;
}

/** express calls `app.handle(req, res, next)` for every request the server hands it. */
interface ExpressInternals {
  handle(this: unknown, req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
}

/** The per-event results of a batch, written by hand: it is the hot path, and the ids need no escaping work beyond JSON.stringify. */
function batchBody(checks: EventCheck[], nAccepted: number, nRejected: number): string {
  let out = `{"accepted":${nAccepted},"rejected":${nRejected},"results":[`;
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i];
    if (i > 0) out += ',';
    out += c.ok ? `{"status":"accepted","id":${JSON.stringify(c.event.id)}}` : `{"status":"rejected","reasons":${JSON.stringify(c.reasons)}}`;
  }
  return `${out}]}`;
}
