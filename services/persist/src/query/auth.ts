import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { parseAnalystTokens } from '@sluice/runtime';

/** Who a request authenticated as (the token's name). */
export interface Principal {
  name: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Parses PERSIST_API_TOKENS: `alice:tokenA,bob:tokenB` (the format of NOTIFY_TOKENS), bare `tokenA`, or
 * the older `tokenA=alice`. Tokens are kept as SHA-256 digests, so a lookup compares digests, not the
 * secrets themselves.
 */
export function parseTokens(spec: string | undefined): Map<string, Principal> {
  const out = new Map<string, Principal>();
  if (!spec) return out;
  for (const { name, token } of parseAnalystTokens(spec, 'PERSIST_API_TOKENS', 8, { legacyEquals: true })) out.set(digest(token), { name });
  return out;
}

/** Express middleware: Authorization: Bearer <token> (or X-API-Key: <token>); 401 without, 403 when unknown. */
export function requireToken(tokens: Map<string, Principal>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (tokens.size === 0) {
      res.status(503).json({ error: 'unavailable', message: 'the query API has no tokens configured; set PERSIST_API_TOKENS' });
      return;
    }
    const header = req.get('authorization');
    const bearer = header && /^Bearer\s+(.+)$/i.exec(header.trim())?.[1];
    const token = bearer || req.get('x-api-key');
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer realm="sluice"').status(401).json({ error: 'unauthorized', message: 'missing credentials: send Authorization: Bearer <token>' });
      return;
    }
    const principal = tokens.get(digest(token.trim()));
    if (!principal) {
      res.status(403).json({ error: 'forbidden', message: 'the token is not valid for this API' });
      return;
    }
    res.locals.principal = principal;
    next();
  };
}
