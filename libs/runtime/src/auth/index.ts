import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Producer API keys, shared by ingest (which authenticates events with them) and notify (which lets a
 * producer hear the confirmations of its own events with the same key). Only SHA-256 hashes are held.
 */
export interface ApiKey {
  /** Producer (the key's owner) written into every event sent with it. */
  producer: string;
  hash: Buffer;
  /** Names the key in logs and metrics without revealing it: producer and the hash's first 8 hex digits. */
  label: string;
}

const PRODUCER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Parses `producer:sha256hex` entries separated by commas or new lines (blank lines and # comments are
 * skipped). Errors say which entry in which source is wrong and what is expected, and never echo the
 * entry: it may be a raw key pasted by mistake.
 */
export function parseApiKeys(text: string, source: string): ApiKey[] {
  const keys: ApiKey[] = [];
  text.split(/[,\n]/).forEach((raw, i) => {
    const entry = raw.replace(/#.*$/, '').trim();
    if (!entry) return;
    const colon = entry.lastIndexOf(':');
    const producer = colon > 0 ? entry.slice(0, colon) : '';
    const hex = colon > 0 ? entry.slice(colon + 1) : entry;
    if (!PRODUCER_NAME.test(producer) || !SHA256_HEX.test(hex)) {
      throw new Error(
        `${source}, entry ${i + 1}: expected producerName:sha256hex (a name of letters, digits, '.', '_' or '-', a colon, and the 64 hex digits of the key's SHA-256)`,
      );
    }
    keys.push({ producer, hash: Buffer.from(hex, 'hex'), label: `${producer}/${hex.slice(0, 8).toLowerCase()}` });
  });
  return keys;
}

/** The keys producers authenticate with, compared by hash in constant time. */
export class ApiKeyring {
  constructor(private keys: ApiKey[]) {}

  replace(keys: ApiKey[]): void {
    this.keys = keys;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key matching `presented`, or undefined. Every stored hash is compared, so timing reveals nothing. */
  verify(presented: string): ApiKey | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: ApiKey | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash) && !found) found = key;
    }
    return found;
  }
}

/** The key a request presents: `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
export function presentedKey(authorization: string | undefined, xApiKey: string | string[] | undefined): string | undefined {
  if (typeof xApiKey === 'string' && xApiKey.length > 0) return xApiKey;
  if (authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m) return m[1];
  }
  return undefined;
}

/** An analyst's token for the query API (persist) or the alert sockets (notify). */
export interface AnalystToken {
  /** Who the token belongs to; shown in logs and on acknowledgements, never the token itself. */
  name: string;
  token: string;
}

const TOKEN_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Analyst tokens in one format for persist (PERSIST_API_TOKENS) and notify (NOTIFY_TOKENS), so one value
 * serves both: `name:token` entries, comma-separated; a bare `token` is named token-1, token-2 …
 * `legacyEquals` also reads persist's older `token=name` form. Errors name the variable and the entry,
 * never the token.
 */
export function parseAnalystTokens(text: string, variable: string, minLength: number, options: { legacyEquals?: boolean } = {}): AnalystToken[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      const eq = entry.indexOf('=');
      let name: string;
      let token: string;
      if (colon > 0) {
        name = entry.slice(0, colon);
        token = entry.slice(colon + 1);
        // Not echoed: a token pasted without a name may itself hold a colon.
        if (!TOKEN_NAME.test(name)) throw new Error(`${variable} entry ${i + 1}: the part before ":" must be a name of 1-64 letters, digits or _.@- (expected name:token)`);
      } else if (options.legacyEquals && eq >= 0) {
        token = entry.slice(0, eq).trim();
        name = entry.slice(eq + 1).trim();
        if (!name) throw new Error(`${variable} entry ${i + 1}: expected a name after "=" (or write it as name:token)`);
      } else {
        name = `token-${i + 1}`;
        token = entry;
      }
      if (token.length < minLength) throw new Error(`${variable} entry ${i + 1} (${name}): token must be at least ${minLength} characters`);
      return { name, token };
    });
}
