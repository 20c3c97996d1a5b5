import type { RawEvent } from '@sluice/contracts';
import { hex16, simhashOf } from './duplicates/simhash';
import { detectLanguageOf, extractEntities, foldForMatch, keywordsOf, normaliseText, scanTokens, type Language, type TokenScan } from './text';
import { fmix32, hashHi, hashLo, tokenHash } from './text/token-hash';

/** Everything enrich derives from one event's own content (no state, no I/O). */
export interface TextAnalysis {
  normalizedText: string;
  matchText: string;
  language: Language;
  hashtags: string[];
  mentions: string[];
  cashtags: string[];
  urls: string[];
  keywords: string[];
  fingerprint: string;
  /**
   * Hash of the normalised content (its folded words and canonical URLs), so the same post with other
   * punctuation, spacing, diacritics or tracking parameters is the same content; null when the event has
   * neither words nor URLs.
   */
  contentHash: string | null;
}

export interface AnalyseOptions {
  maxKeywords: number;
}

export function analyseEvent(event: Pick<RawEvent, 'text' | 'url'>, options: AnalyseOptions = { maxKeywords: 50 }): TextAnalysis {
  const normalizedText = normaliseText(event.text ?? '');
  const matchText = foldForMatch(normalizedText);
  const entities = extractEntities(normalizedText, event.url ? [event.url] : []);
  // Language, keywords and fingerprint read the prose: URLs and handles say nothing about either.
  const matchProse = entities.prose === normalizedText ? matchText : foldForMatch(entities.prose);
  const scan = scanTokens(matchProse);
  const count = scan.tokens.length;
  return {
    normalizedText,
    matchText,
    language: detectLanguageOf(entities.prose, scan),
    hashtags: entities.hashtags,
    mentions: entities.mentions,
    cashtags: entities.cashtags,
    urls: entities.urls,
    keywords: keywordsOf(scan, options.maxKeywords),
    fingerprint: simhashOf(scan.lo, scan.hi, count),
    contentHash: count > 0 || entities.urls.length > 0 ? contentHashOf(scan, entities.urls) : null,
  };
}

/**
 * 64-bit hash of the folded words in order and the canonical URLs, from the token hashes the scan
 * already has (two independent order-sensitive 32-bit chains), as 16 hex digits.
 */
function contentHashOf(scan: TokenScan, urls: readonly string[]): string {
  const n = scan.tokens.length;
  let a = 0x2545f491;
  let b = 0x68e31da4;
  for (let i = 0; i < n; i++) {
    a = Math.imul(a ^ scan.lo[i], 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ scan.hi[i], 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  // The number of words separates them from the URLs.
  a = Math.imul(a ^ n, 0xcc9e2d51);
  b = Math.imul(b ^ n, 0x1b873593);
  for (const url of urls) {
    tokenHash(url);
    a = Math.imul(a ^ hashLo, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ hashHi, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  return hex16(fmix32(a ^ urls.length), fmix32(b ^ (n + urls.length)));
}
