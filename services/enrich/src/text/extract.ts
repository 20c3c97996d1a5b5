import { foldForMatch } from './normalise';
import { canonicalUrl } from './url';

/** Entities found in a normalised text. */
export interface Entities {
  /** Without '#', folded for matching. */
  hashtags: string[];
  /** Without '@', lower case. */
  mentions: string[];
  /** Without '$', upper case. */
  cashtags: string[];
  /** Canonical URLs, in order of appearance, without repeats. */
  urls: string[];
  /** The text with URLs, mentions and e-mail addresses blanked out: what language and keywords read. */
  prose: string;
}

// Entity boundaries: an entity starts where no word character (in any script) stands before it, so
// "a#b", "me@example.com" and "US$5" are not entities. Lookbehind keeps adjacent entities ("#a #b").
// Hashtags take letters, marks and digits of any script plus '_', and need at least one letter.
const HASHTAG = /(?<![\p{L}\p{M}\p{N}_&#/])#([\p{L}\p{M}\p{N}_]{1,140})/gu;
const HAS_LETTER = /\p{L}/u;
// Handles are ASCII on every platform we read (Twitter/X, Instagram, TikTok, Telegram, YouTube).
const MENTION = /(?<![\p{L}\p{M}\p{N}_.@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,62}[A-Za-z0-9_])?)/gu;
// $TSLA, $BRK.B; never a price ($5) and never part of a word.
const CASHTAG = /(?<![\p{L}\p{M}\p{N}_$])\$([A-Za-z]{1,6}(?:\.[A-Za-z]{1,2})?)(?![\p{L}\p{M}\p{N}_])/gu;
// URL characters of RFC 3986 plus letters, marks and digits of any script (IRIs); emoji, spaces, quotes
// and Arabic punctuation (، ؛ ؟) end a URL.
const URL_RE = /(?<![\p{L}\p{M}\p{N}_@./])(?:https?:\/\/|www\.)[\p{L}\p{M}\p{N}\-._~:/?#[\]@!$&'()*+,;=%]+/giu;
const EMAIL = /(?<![\p{L}\p{N}_.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/gu;
const TRAILING_PUNCT = /[.,;:!?'"*]+$/;

/** Drops the punctuation a sentence puts after a URL, and a ")" that closes text around it. */
function trimUrl(raw: string): string {
  let u = raw;
  for (;;) {
    const before = u;
    u = u.replace(TRAILING_PUNCT, '');
    if (u.endsWith(')') && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
    if (u.endsWith(']') && count(u, '[') < count(u, ']')) u = u.slice(0, -1);
    if (u === before) return u;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** Canonical URLs of `extra` (e.g. the event's url field) first, then those in the text. */
export function extractEntities(normalised: string, extraUrls: ReadonlyArray<string | null | undefined> = []): Entities {
  const hashtags: string[] = [];
  const mentions: string[] = [];
  const cashtags: string[] = [];
  const urls: string[] = [];
  for (const u of extraUrls) {
    const c = u ? canonicalUrl(u) : null;
    if (c) pushUnique(urls, c);
  }
  let prose = normalised;
  // Most texts have none of the marker characters: skip every regex then.
  const hasHash = normalised.includes('#');
  const hasAt = normalised.includes('@');
  const hasDollar = normalised.includes('$');
  const hasUrl = normalised.includes('://') || /www\./i.test(normalised);
  if (hasUrl) {
    prose = prose.replace(URL_RE, (m) => {
      const trimmed = trimUrl(m);
      const c = canonicalUrl(trimmed);
      if (c) pushUnique(urls, c);
      // Keep what trimming removed (it was sentence punctuation), blank the URL itself.
      return ' ' + m.slice(trimmed.length);
    });
  }
  if (hasAt) {
    prose = prose.replace(EMAIL, ' ');
    prose = prose.replace(MENTION, (_m, handle: string) => {
      pushUnique(mentions, handle.toLowerCase());
      return ' ';
    });
  }
  // Hashtags and cashtags stay in the prose: their words are content ("#Gaza" is about Gaza).
  if (hasHash) {
    for (const m of prose.matchAll(HASHTAG)) {
      const tag = m[1];
      if (!HAS_LETTER.test(tag)) continue; // "#1" is a number, not a tag
      const folded = foldForMatch(tag).replace(/^_+|_+$/g, '');
      if (folded) pushUnique(hashtags, folded);
    }
  }
  if (hasDollar) for (const m of prose.matchAll(CASHTAG)) pushUnique(cashtags, m[1].toUpperCase());
  return { hashtags, mentions, cashtags, urls, prose };
}
