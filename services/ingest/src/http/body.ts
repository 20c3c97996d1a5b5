import type { IncomingMessage } from 'node:http';

export type BodyFormat = 'json' | 'ndjson';

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);

export type ContentTypeCheck = { ok: true; format: BodyFormat } | { ok: false; reason: string };

/** Which body format a Content-Type names; `ndjsonAllowed` for the batch route. */
export function contentType(header: string | undefined, ndjsonAllowed: boolean): ContentTypeCheck {
  const accepted = ndjsonAllowed ? 'application/json (an array of events) or application/x-ndjson (one event per line)' : 'application/json';
  if (!header) return { ok: false, reason: `Content-Type is missing; expected ${accepted}` };
  const semi = header.indexOf(';');
  const media = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (semi >= 0) {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(header.slice(semi));
    if (charset && !/^utf-?8$/i.test(charset[1])) return { ok: false, reason: `charset ${charset[1]} is not supported; send UTF-8` };
  }
  if (media === 'application/json') return { ok: true, format: 'json' };
  if (ndjsonAllowed && NDJSON_TYPES.has(media)) return { ok: true, format: 'ndjson' };
  return { ok: false, reason: `Content-Type ${media} is not accepted here; expected ${accepted}` };
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes (INGEST_MAX_BODY_BYTES)`);
  }
}

/** The whole body, or BodyTooLarge as soon as it passes `limit` (the rest is never buffered). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new BodyTooLarge(limit));
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', (err) => finish(err));
    req.once('close', () => finish(new Error('the client closed the connection before the body was complete')));
  });
}

/**
 * Reads and throws away the rest of a body refused as larger than `maxBodyBytes`, so the client reads the
 * refusal and the connection stays usable. Closing a socket with unread input makes the kernel answer with
 * a reset, which can destroy the response before the client reads it: a client still uploading would see
 * "connection reset", not 413. A client that goes on sending past max(8 × maxBodyBytes, 64 MiB) in all has
 * its connection cut (the server's request timeout bounds a slow one).
 */
export function discardRest(req: IncomingMessage, maxBodyBytes: number): void {
  const limit = Math.max(8 * maxBodyBytes, 64 * 1024 * 1024);
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) req.socket.destroy();
  });
  req.resume();
}

/** One NDJSON line that is not JSON: rejected on its own, the other lines still count. */
export class LineError {
  constructor(readonly reason: string) {}
}

/** Parses NDJSON: one value per non-empty line; a line that is not JSON becomes a LineError. */
export function parseNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    let s = text.slice(start, end);
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (s.trim().length > 0) {
      try {
        out.push(JSON.parse(s));
      } catch (err) {
        out.push(new LineError(`line ${line} is not valid JSON: ${(err as Error).message}`));
      }
    }
    start = end + 1;
  }
  return out;
}
