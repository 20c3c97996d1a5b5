import * as fs from 'node:fs';
import { parseApiKeys, type ApiKey } from '@sluice/runtime';

// The key format, hashing and constant-time check are shared with notify (confirmations) in the runtime.
export { ApiKeyring, hashApiKey, parseApiKeys, presentedKey, type ApiKey } from '@sluice/runtime';

export interface ApiKeySources {
  /** Comma-separated entries (INGEST_API_KEYS). */
  inline?: string;
  /** A file of entries, one per line, such as a mounted secret (INGEST_API_KEYS_FILE). */
  file?: string;
}

export function readApiKeys(sources: ApiKeySources): ApiKey[] {
  const keys: ApiKey[] = [];
  if (sources.inline) keys.push(...parseApiKeys(sources.inline, 'INGEST_API_KEYS'));
  if (sources.file) {
    let text: string;
    try {
      text = fs.readFileSync(sources.file, 'utf8');
    } catch (err) {
      throw new Error(`INGEST_API_KEYS_FILE=${sources.file}: cannot read the API key file: ${(err as Error).message}`);
    }
    keys.push(...parseApiKeys(text, `INGEST_API_KEYS_FILE=${sources.file}`));
  }
  if (keys.length === 0) {
    throw new Error('no API keys configured: set INGEST_API_KEYS (producer:sha256hex,…) or INGEST_API_KEYS_FILE (one producer:sha256hex per line)');
  }
  return keys;
}
