/**
 * One pass over a post's text that every text model shares: word tokens of the folded text (URLs and
 * @mentions left out, hashtags kept as words), emoji, clause boundaries, and the surface counts the spam
 * model reads (links, hashtags, mentions, letter runs, capitals, exclamation marks).
 *
 * A hand-written scanner over char codes rather than a Unicode regex: this runs for every event on the
 * score path and a regex with \p{…} classes plus match objects cost several times more.
 */
import { foldForMatch } from '@sluice/text';

export type Language = 'ar' | 'en';

export interface TextView {
  /** Folded tokens in order; clause boundaries appear as '.', exclamation and question marks as themselves. */
  tokens: string[];
  language: Language;
  /** Word tokens (no boundaries, no emoji). */
  words: number;
  urls: number;
  hashtags: number;
  mentions: number;
  emoji: number;
  exclamations: number;
  /** Longest run of one repeated character (e.g. 5 in "sooooo"). */
  longestRun: number;
  /** Share of upper-case letters among Latin letters (0 when none). */
  upperRatio: number;
  /** Share of digits among non-space characters. */
  digitRatio: number;
  chars: number;
}

const EMOJI = /^\p{Extended_Pictographic}/u;
const OTHER_WORD = /^[\p{L}\p{N}]/u;
const otherWordCache = new Map<number, boolean>();

/** Letters, digits and underscore ([\p{L}\p{N}_]), with fast paths for ASCII, Latin and Arabic. */
function isWordCode(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
  if (c >= 0x0621 && c <= 0x064a) return true;
  if (c >= 0x00c0 && c <= 0x024f) return c !== 0xd7 && c !== 0xf7;
  if (c >= 0xd800 && c <= 0xdfff) return false; // astral characters (emoji) are handled by the caller
  let hit = otherWordCache.get(c);
  if (hit === undefined) {
    hit = OTHER_WORD.test(String.fromCharCode(c));
    if (otherWordCache.size < 10_000) otherWordCache.set(c, hit);
  }
  return hit;
}

const isDigitCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 0x0660 && c <= 0x0669) || (c >= 0x06f0 && c <= 0x06f9);
const isSpaceCode = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0x1680 || c === 0xfeff;

/** Script-based language guess, used when enrich said nothing usable. */
export function guessLanguage(text: string): Language {
  let ar = 0;
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x0621 && c <= 0x064a) ar++;
    else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) latin++;
  }
  return ar > latin ? 'ar' : 'en';
}

/**
 * @param text the post text as published or normalised (case kept, for the capitals ratio)
 * @param folded the folded text when the caller already has it (enrich's matchText)
 * @param language enrich's detected language when it is ar or en
 */
export function viewText(text: string, folded?: string, language?: string): TextView {
  const f = folded && folded.length > 0 ? folded : foldForMatch(text);

  // Surface counts over the text as written.
  let latin = 0;
  let upper = 0;
  let digits = 0;
  let spaces = 0;
  let arabic = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) latin++;
    else if (c >= 65 && c <= 90) {
      latin++;
      upper++;
    } else if (c >= 0x0621 && c <= 0x064a) arabic++;
    else if (isDigitCode(c)) digits++;
    else if (isSpaceCode(c)) spaces++;
  }
  const lang: Language = language === 'ar' || language === 'en' ? language : arabic > latin ? 'ar' : 'en';

  const tokens: string[] = [];
  let urls = 0;
  let hashtags = 0;
  let mentions = 0;
  let emoji = 0;
  let words = 0;
  let exclamations = 0;
  let longestRun = f.length > 0 ? 1 : 0;
  let run = 1;
  for (let i = 1; i < f.length; i++) {
    const c = f.charCodeAt(i);
    if (c === f.charCodeAt(i - 1) && c !== 32) {
      if (++run > longestRun) longestRun = run;
    } else run = 1;
  }

  const n = f.length;
  let i = 0;
  while (i < n) {
    const c = f.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    // Links run to the next space.
    if ((c === 104 && (f.startsWith('http://', i) || f.startsWith('https://', i))) || (c === 119 && f.startsWith('www.', i))) {
      urls++;
      while (i < n && !isSpaceCode(f.charCodeAt(i))) i++;
      continue;
    }
    if (c === 64 /* @ */ || c === 35 /* # */) {
      let j = i + 1;
      while (j < n && isWordCode(f.charCodeAt(j))) j++;
      if (j > i + 1) {
        if (c === 64) mentions++;
        else {
          hashtags++;
          // A hashtag's words carry sentiment too (#fail, #شكرا).
          for (const part of f.slice(i + 1, j).split('_')) {
            if (part) {
              tokens.push(part);
              words++;
            }
          }
        }
      }
      i = j;
      continue;
    }
    if (isWordCode(c)) {
      let j = i + 1;
      let apostrophe = false;
      while (j < n) {
        const d = f.charCodeAt(j);
        if (isWordCode(d)) j++;
        else if ((d === 39 || d === 0x2019) && j + 1 < n && isWordCode(f.charCodeAt(j + 1)) && !isDigitCode(f.charCodeAt(j + 1))) {
          if (d === 0x2019) apostrophe = true;
          j += 2;
        } else break;
      }
      const w = f.slice(i, j);
      tokens.push(apostrophe ? w.replace(/’/g, "'") : w);
      words++;
      i = j;
      continue;
    }
    switch (c) {
      case 33: // !
        exclamations++;
        tokens.push('!');
        i++;
        continue;
      case 63: // ?
      case 0x061f: // ؟
        tokens.push('?');
        i++;
        continue;
      case 46: // .
      case 44: // ,
      case 59: // ;
      case 58: // :
      case 0x060c: // ،
      case 0x061b: // ؛
        tokens.push('.');
        i++;
        continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const pair = f.slice(i, i + 2);
      if (EMOJI.test(pair)) {
        emoji++;
        tokens.push(pair);
      }
      i += 2;
      continue;
    }
    if (c >= 0x2100 && EMOJI.test(f[i])) {
      emoji++;
      tokens.push(f[i]);
    }
    i++;
  }
  const nonSpace = text.length - spaces;
  return {
    tokens,
    language: lang,
    words,
    urls,
    hashtags,
    mentions,
    emoji,
    exclamations,
    longestRun,
    upperRatio: latin > 0 ? upper / latin : 0,
    digitRatio: nonSpace > 0 ? digits / nonSpace : 0,
    chars: text.length,
  };
}
