import type { RawEvent } from '@sluice/contracts';
import { contentHash, simhash } from './duplicates';
import { detectLanguage, extractEntities, foldForMatch, keywords, normaliseText, tokenise, type Language } from './text';

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
  const tokens = tokenise(matchProse);
  const hasContent = tokens.length > 0 || entities.urls.length > 0;
  return {
    normalizedText,
    matchText,
    language: detectLanguage(entities.prose, tokens),
    hashtags: entities.hashtags,
    mentions: entities.mentions,
    cashtags: entities.cashtags,
    urls: entities.urls,
    keywords: keywords(tokens, options.maxKeywords),
    fingerprint: simhash(tokens),
    contentHash: hasContent ? contentHash(`${tokens.join(' ')}\u0000${entities.urls.join(' ')}`) : null,
  };
}
