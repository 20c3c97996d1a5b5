import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApiKeyring, hashApiKey, parseApiKeys, presentedKey, type ApiKey } from '@sluice/runtime';

/**
 * Producer API keys, in ingest's format (`producer:sha256hex`, comma- or line-separated, # comments),
 * so the one secret that lets a producer send events also lets it hear their confirmations. Only the
 * hashes are held; format, hashing and the constant-time check are the runtime's, shared with ingest.
 */
export type ProducerKey = ApiKey;

export class ProducerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerKeyError';
  }
}

export const hashProducerKey = hashApiKey;

export function parseProducerKeys(text: string, source: string): ProducerKey[] {
  try {
    return parseApiKeys(text, source);
  } catch (e) {
    throw new ProducerKeyError((e as Error).message);
  }
}

export interface ProducerKeySources {
  NOTIFY_PRODUCER_KEYS?: string;
  NOTIFY_PRODUCER_KEYS_FILE?: string;
  INGEST_API_KEYS?: string;
  INGEST_API_KEYS_FILE?: string;
}

function readFile(variable: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProducerKeyError(`${variable}=${file}: cannot read the producer key file (${(e as Error).message})`);
  }
}

/**
 * The producer keys notify accepts: NOTIFY_PRODUCER_KEYS and/or NOTIFY_PRODUCER_KEYS_FILE; when neither
 * is set, ingest's INGEST_API_KEYS and/or INGEST_API_KEYS_FILE, so one secret can serve both services.
 * None at all is allowed: the confirmations endpoint then refuses every producer (403).
 */
export function loadProducerKeys(sources: ProducerKeySources): { keys: ProducerKey[]; from: string[] } {
  const own = sources.NOTIFY_PRODUCER_KEYS || sources.NOTIFY_PRODUCER_KEYS_FILE;
  const [inline, file] = own ? (['NOTIFY_PRODUCER_KEYS', 'NOTIFY_PRODUCER_KEYS_FILE'] as const) : (['INGEST_API_KEYS', 'INGEST_API_KEYS_FILE'] as const);
  const keys: ProducerKey[] = [];
  const from: string[] = [];
  if (sources[inline]) {
    keys.push(...parseProducerKeys(sources[inline]!, inline));
    from.push(inline);
  }
  if (sources[file]) {
    keys.push(...parseProducerKeys(readFile(file, sources[file]!), `${file}=${sources[file]}`));
    from.push(file);
  }
  return { keys, from };
}

export type ProducerAuth = { ok: true; producer: string } | { ok: false; status: 401 | 403; error: string };

/** Producer keys compared by SHA-256 in constant time (every stored hash is compared). */
export class ProducerKeyring {
  private readonly ring: ApiKeyring;

  constructor(keys: ProducerKey[]) {
    this.ring = new ApiKeyring(keys);
  }

  get size(): number {
    return this.ring.size;
  }

  /** The producer whose key `presented` is, or undefined. */
  verify(presented: string): string | undefined {
    return this.ring.verify(presented)?.producer;
  }

  authenticate(req: IncomingMessage): ProducerAuth {
    const key = presentedKey(req.headers.authorization, req.headers['x-api-key']);
    if (!key) return { ok: false, status: 401, error: 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>" (the key you send events to ingest with)' };
    const producer = this.verify(key);
    return producer ? { ok: true, producer } : { ok: false, status: 403, error: 'the API key is not recognised' };
  }
}
