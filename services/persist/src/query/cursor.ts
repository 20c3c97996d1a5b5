import { createHash } from 'node:crypto';

/**
 * Keyset cursors: the position (time, id) of the last item of a page plus a digest of the filters it
 * was made for, base64url-encoded. Opaque to clients; a cursor used with other filters is refused.
 */
export interface Position {
  t: number;
  k: string;
}

export class CursorError extends Error {}

export function filterDigest(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k] ?? null]));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

export function encodeCursor(position: Position, digest: string): string {
  return Buffer.from(JSON.stringify({ t: position.t, k: position.k, f: digest })).toString('base64url');
}

export function decodeCursor(cursor: string, digest: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('expected a cursor returned by this API (nextCursor)');
  }
  const p = parsed as { t?: unknown; k?: unknown; f?: unknown };
  // Bounded to what PostgreSQL timestamps and text can hold: a forged cursor is a 400, never a 500.
  const MAX_MS = Date.UTC(9999, 11, 31);
  if (!p || typeof p !== 'object' || typeof p.t !== 'number' || !Number.isFinite(p.t) || p.t < 0 || p.t > MAX_MS || typeof p.k !== 'string' || p.k.includes('\u0000') || typeof p.f !== 'string') {
    throw new CursorError('expected a cursor returned by this API (nextCursor)');
  }
  if (p.f !== digest) throw new CursorError('the cursor belongs to a query with other filters; repeat the original filters or start again without a cursor');
  return { t: p.t, k: p.k };
}
