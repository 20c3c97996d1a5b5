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
// Hashtags take letters, marks and digits of any script plus '_', and need at least one letter:
//   /(?<![\p{L}\p{M}\p{N}_&#/])#([\p{L}\p{M}\p{N}_]{1,140})/gu
// Handles are ASCII on every platform we read (Twitter/X, Instagram, TikTok, Telegram, YouTube):
//   /(?<![\p{L}\p{M}\p{N}_.@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,62}[A-Za-z0-9_])?)/gu
// Both are scanned by hand below (indexOf and a character table): the regexes, with their lookbehind
// and match objects, cost several times more on every text that has a '#' or an '@'.
// $TSLA, $BRK.B; never a price ($5) and never part of a word.
const CASHTAG = /(?<![\p{L}\p{M}\p{N}_$])\$([A-Za-z]{1,6}(?:\.[A-Za-z]{1,2})?)(?![\p{L}\p{M}\p{N}_])/gu;
// URL characters of RFC 3986 plus letters, marks and digits of any script (IRIs); emoji, spaces, quotes
// and Arabic punctuation (، ؛ ؟) end a URL.
const URL_RE = /(?<![\p{L}\p{M}\p{N}_@./])(?:https?:\/\/|www\.)[\p{L}\p{M}\p{N}\-._~:/?#[\]@!$&'()*+,;=%]+/giu;
const EMAIL = /(?<![\p{L}\p{N}_.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/gu;
// Sentence punctuation that may follow a URL: . , ; : ! ? ' " *
const isTrailingPunct = (c: number): boolean => c === 0x2e || c === 0x2c || c === 0x3b || c === 0x3a || c === 0x21 || c === 0x3f || c === 0x27 || c === 0x22 || c === 0x2a;

/** Drops the punctuation a sentence puts after a URL, and a ")" or "]" that closes text around it. */
function trimUrl(raw: string): string {
  let end = raw.length;
  for (;;) {
    const before = end;
    while (end > 0 && isTrailingPunct(raw.charCodeAt(end - 1))) end--;
    const last = raw.charCodeAt(end - 1);
    if (last === 0x29 && count(raw, end, '(') < count(raw, end, ')')) end--;
    if (raw.charCodeAt(end - 1) === 0x5d && count(raw, end, '[') < count(raw, end, ']')) end--;
    if (end === before) return end === raw.length ? raw : raw.slice(0, end);
  }
}

/** Occurrences of ch in s before index end. */
function count(s: string, end: number, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1 && i < end; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

// Unicode classes of BMP code units, filled in on first sight: LETTER, MARK, NUMBER bits (0 none, UNSEEN
// not looked at yet).
const LETTER = 1;
const MARK = 2;
const NUMBER = 4;
const UNSEEN = 8;
const classes = new Uint8Array(0x10000).fill(UNSEEN);
const IS_L = /^\p{L}$/u;
const IS_M = /^\p{M}$/u;
const IS_N = /^\p{N}$/u;
const classOfChar = (ch: string): number => (IS_L.test(ch) ? LETTER : 0) | (IS_M.test(ch) ? MARK : 0) | (IS_N.test(ch) ? NUMBER : 0);

/** Class bits of the code point starting at i, and its length in code units (in codeLength). */
let codeLength = 1;
function classAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      codeLength = 2;
      return classOfChar(s.slice(i, i + 2));
    }
  }
  codeLength = 1;
  const k = classes[c];
  return k !== UNSEEN ? k : (classes[c] = classOfChar(s[i]));
}

/** Class bits of the code point ending just before index i (0 at the start). */
function classBefore(s: string, i: number): number {
  if (i <= 0) return 0;
  const c = s.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = s.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return classOfChar(s.slice(i - 2, i));
  }
  const k = classes[c];
  return k !== UNSEEN ? k : (classes[c] = classOfChar(s[i - 1]));
}

const isHandleStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/** Hashtags of a text (see the pattern above), each folded for matching, in order, without repeats. */
function collectHashtags(s: string, hashtags: string[]): void {
  for (let p = s.indexOf('#'); p !== -1; p = s.indexOf('#', p + 1)) {
    const before = p > 0 ? s.charCodeAt(p - 1) : 0;
    if (before === 0x5f || before === 0x26 || before === 0x23 || before === 0x2f || classBefore(s, p) !== 0) continue;
    let end = p + 1;
    let letters = false;
    for (let n = 0; n < 140 && end < s.length; n++) {
      const c = s.charCodeAt(end);
      const k = c === 0x5f ? NUMBER : classAt(s, end);
      if (k === 0) break;
      if (k & LETTER) letters = true;
      end += c === 0x5f ? 1 : codeLength;
    }
    if (end === p + 1) continue;
    const tag = s.slice(p + 1, end);
    p = end - 1;
    if (!letters) continue; // "#1" is a number, not a tag
    let folded = foldForMatch(tag);
    if (folded.charCodeAt(0) === 0x5f || folded.charCodeAt(folded.length - 1) === 0x5f) folded = folded.replace(/^_+|_+$/g, '');
    if (folded) pushUnique(hashtags, folded);
  }
}

/** The text with its mentions (see the pattern above) blanked out; their handles, lower case, into mentions. */
function removeMentions(s: string, mentions: string[]): string {
  let out = '';
  let from = 0;
  for (let p = s.indexOf('@'); p !== -1; p = s.indexOf('@', p + 1)) {
    const before = p > 0 ? s.charCodeAt(p - 1) : 0;
    if (before === 0x5f || before === 0x2e || before === 0x40 || before === 0x2f || classBefore(s, p) !== 0) continue;
    const q = p + 1;
    if (q >= s.length || !isHandleStart(s.charCodeAt(q))) continue;
    // The longest run of [A-Za-z0-9_.] after the first character, at most 63, ending on a non-dot.
    let run = 0;
    while (run < 63 && q + 1 + run < s.length) {
      const c = s.charCodeAt(q + 1 + run);
      if (!(isHandleStart(c) || c === 0x2e)) break;
      run++;
    }
    let k = run;
    while (k > 0 && s.charCodeAt(q + k) === 0x2e) k--;
    const end = q + k + 1;
    pushUnique(mentions, s.slice(q, end).toLowerCase());
    out += s.slice(from, p) + ' ';
    from = end;
    p = end - 1;
  }
  return from === 0 ? s : out + s.slice(from);
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
    prose = removeMentions(prose, mentions);
  }
  // Hashtags and cashtags stay in the prose: their words are content ("#Gaza" is about Gaza).
  if (hasHash) {
    collectHashtags(prose, hashtags);
  }
  if (hasDollar) for (const m of prose.matchAll(CASHTAG)) pushUnique(cashtags, m[1].toUpperCase());
  return { hashtags, mentions, cashtags, urls, prose };
}
