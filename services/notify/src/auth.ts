import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AnalystToken } from './config';

export type AuthResult = { ok: true; principal: string } | { ok: false; status: 401 | 403; error: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-token authentication for the WebSocket, the console's API and the admin routes. The token
 * comes from `Authorization: Bearer <token>` or, for browsers (whose WebSocket API cannot set
 * headers), a `token` query parameter. Tokens are compared as SHA-256 digests in constant time.
 */
export class TokenAuth {
  private readonly known: Array<{ name: string; digest: Buffer }>;

  constructor(tokens: AnalystToken[]) {
    this.known = tokens.map((t) => ({ name: t.name, digest: digest(t.token) }));
  }

  static tokenOf(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return m ? m[1] : '';
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    return url.searchParams.get('token');
  }

  authenticate(req: IncomingMessage): AuthResult {
    const token = TokenAuth.tokenOf(req);
    if (token === null || token === '') {
      return { ok: false, status: 401, error: 'missing token: send "Authorization: Bearer <token>" or a token query parameter' };
    }
    const d = digest(token);
    let principal: string | null = null;
    // Compare against every token so the time taken does not reveal which one matched.
    for (const k of this.known) if (timingSafeEqual(k.digest, d)) principal = k.name;
    return principal ? { ok: true, principal } : { ok: false, status: 403, error: 'token not recognised' };
  }
}
