import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';

/**
 * Producer API keys, in ingest's format (`producer:sha256hex`, comma- or line-separated, # comments),
 * so the one secret that lets a producer send events also lets it hear their confirmations. Only the
 * hashes are held. (Ingest parses the same format in services/ingest/src/producers/api-keys.ts; services
 * share no code but the libs, so the few lines are repeated here.)
 */
export interface ProducerKey {
  producer: string;
  hash: Buffer;
}

export class ProducerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerKeyError';
  }
}

const PRODUCER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export const hashProducerKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export function parseProducerKeys(text: string, source: string): ProducerKey[] {
  const keys: ProducerKey[] = [];
  text.split(/[,\n]/).forEach((raw, i) => {
    const entry = raw.replace(/#.*$/, '').trim();
    if (!entry) return;
    const colon = entry.lastIndexOf(':');
    const producer = colon > 0 ? entry.slice(0, colon) : '';
    const hex = colon > 0 ? entry.slice(colon + 1) : entry;
    if (!PRODUCER_NAME.test(producer) || !SHA256_HEX.test(hex)) {
      // Never echo the entry: it may be a raw key pasted by mistake.
      throw new ProducerKeyError(
        `${source}, entry ${i + 1}: expected producerName:sha256hex (a name of letters, digits, '.', '_' or '-', a colon, and the 64 hex digits of the key's SHA-256)`,
      );
    }
    keys.push({ producer, hash: Buffer.from(hex, 'hex') });
  });
  return keys;
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

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`, as ingest takes it. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const x = req.headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  const m = req.headers.authorization ? /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization) : null;
  return m ? m[1] : undefined;
}

/** Producer keys compared by SHA-256 in constant time (every stored hash is compared). */
export class ProducerKeyring {
  constructor(private readonly keys: ProducerKey[]) {}

  get size(): number {
    return this.keys.length;
  }

  verify(presented: string): string | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | undefined;
    for (const k of this.keys) if (timingSafeEqual(hash, k.hash) && found === undefined) found = k.producer;
    return found;
  }

  authenticate(req: IncomingMessage): ProducerAuth {
    const key = presentedKey(req);
    if (!key) return { ok: false, status: 401, error: 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>" (the key you send events to ingest with)' };
    const producer = this.verify(key);
    return producer ? { ok: true, producer } : { ok: false, status: 403, error: 'the API key is not recognised' };
  }
}
