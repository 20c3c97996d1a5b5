import type { TokenScan } from './keywords';
import { STOP_AR, STOP_EN, STOP_OTHER_LATIN, STOPWORD_LANGUAGES, STOPWORD_TABLE } from './stopwords';

export type Language = 'ar' | 'en' | 'unknown';

/** Letters by script in a text. */
export interface ScriptCounts {
  arabic: number;
  latin: number;
  other: number;
  /** Letters used by Persian and Urdu but not by Arabic (پ چ ژ گ ک ی ٹ ڈ ڑ ں ھ ے). */
  persianUrdu: number;
}

const PERSIAN_URDU = [0x067e, 0x0686, 0x0698, 0x06af, 0x06a9, 0x06cc, 0x0679, 0x0688, 0x0691, 0x06ba, 0x06be, 0x06d2];
const LETTER = /\p{L}/u;

function isArabicLetter(c: number): boolean {
  return (
    (c >= 0x0620 && c <= 0x064a) ||
    (c >= 0x066e && c <= 0x06d3) ||
    c === 0x06d5 ||
    (c >= 0x06fa && c <= 0x06ff) ||
    (c >= 0x0750 && c <= 0x077f) ||
    (c >= 0x08a0 && c <= 0x08ff) ||
    (c >= 0xfb50 && c <= 0xfdff) ||
    (c >= 0xfe70 && c <= 0xfefc)
  );
}

// The Arabic block as a table (1 = Arabic letter, 3 = also a Persian/Urdu letter): one load per character.
const ARABIC_BLOCK = new Uint8Array(0x100);
for (let c = 0x0600; c <= 0x06ff; c++) if (isArabicLetter(c)) ARABIC_BLOCK[c - 0x0600] = 1;
for (const c of PERSIAN_URDU) ARABIC_BLOCK[c - 0x0600] = 3;

export function countScripts(text: string): ScriptCounts {
  const counts: ScriptCounts = { arabic: 0, latin: 0, other: 0, persianUrdu: 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) counts.latin++;
    } else if (c >= 0x0600 && c <= 0x06ff) {
      const k = ARABIC_BLOCK[c - 0x0600];
      if (k !== 0) {
        counts.arabic++;
        if (k === 3) counts.persianUrdu++;
      }
    } else if ((c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x1e00 && c <= 0x1eff)) {
      counts.latin++;
    } else if (isArabicLetter(c)) {
      counts.arabic++;
    } else if (c < 0xd800 || c > 0xdfff) {
      // Astral characters (emoji, most of them) are skipped: they are no script's letters.
      if (LETTER.test(text[i])) counts.other++;
    }
  }
  return counts;
}

export interface LanguageOptions {
  /** Fewer letters than this is too little to tell. */
  minLetters: number;
  /** Share of letters a script needs to decide on its own. */
  dominantShare: number;
  /** Letters that make a text long enough to decide by script alone when no stopword matched. */
  confidentLetters: number;
}

export const DEFAULT_LANGUAGE_OPTIONS: LanguageOptions = { minLetters: 8, dominantShare: 0.6, confidentLetters: 15 };

/**
 * Language from script ratios and stopword hits. `text` is the prose (URLs, mentions and e-mail
 * addresses removed, not folded, so Persian letters are still visible); `tokens` are its folded tokens.
 * Says 'unknown' rather than guessing: on short text, text in another script, Persian or Urdu in
 * Arabic script, and Latin text whose function words are not English.
 */
export function detectLanguage(text: string, tokens: readonly string[], options: LanguageOptions = DEFAULT_LANGUAGE_OPTIONS): Language {
  const s = countScripts(text);
  if (s.arabic + s.latin + s.other < options.minLetters) return 'unknown';
  let arHits = 0;
  let enHits = 0;
  let otherHits = 0;
  for (const t of tokens) {
    const langs = STOPWORD_LANGUAGES.get(t);
    if (langs === undefined) continue;
    if (langs & STOP_AR) arHits++;
    else if (langs & STOP_EN) enHits++;
    else if (langs & STOP_OTHER_LATIN) otherHits++;
  }
  return decide(s, arHits, enHits, otherHits, tokens.length, options);
}

/** detectLanguage() over a token scan, looking stopwords up by the hashes it already has. */
export function detectLanguageOf(text: string, scan: TokenScan, options: LanguageOptions = DEFAULT_LANGUAGE_OPTIONS): Language {
  const s = countScripts(text);
  if (s.arabic + s.latin + s.other < options.minLetters) return 'unknown';
  let arHits = 0;
  let enHits = 0;
  let otherHits = 0;
  const { tokens, lo, hi } = scan;
  for (let i = 0; i < tokens.length; i++) {
    const langs = STOPWORD_TABLE.get(tokens[i], lo[i], hi[i]);
    if (langs === 0) continue;
    if (langs & STOP_AR) arHits++;
    else if (langs & STOP_EN) enHits++;
    else if (langs & STOP_OTHER_LATIN) otherHits++;
  }
  return decide(s, arHits, enHits, otherHits, tokens.length, options);
}

function decide(s: ScriptCounts, arHits: number, enHits: number, otherHits: number, tokenCount: number, options: LanguageOptions): Language {
  const letters = s.arabic + s.latin + s.other;
  const arShare = s.arabic / letters;
  const latinShare = s.latin / letters;

  if (arShare >= options.dominantShare) return arabic();
  if (latinShare >= options.dominantShare) return english();
  // Mixed Arabic and English: the script with more letters wins when its function words confirm it.
  if (arShare + latinShare < options.dominantShare) return 'unknown';
  if (arShare >= latinShare && arHits > 0) return arabic();
  if (latinShare > arShare && enHits > 0) return english();
  if (arHits > 0 && enHits === 0) return arabic();
  if (enHits > 0 && arHits === 0) return english();
  return 'unknown';

  function arabic(): Language {
    // Persian or Urdu written in Arabic script is not Arabic. Folding maps Persian ی to ي, so a Persian
    // word can look like an Arabic stopword (این "this" folds to اين "where"): demand several.
    if (s.persianUrdu >= 2 && s.persianUrdu * 20 >= s.arabic && arHits < 3) return 'unknown';
    if (arHits > 0 || s.arabic >= options.confidentLetters) return 'ar';
    return 'unknown';
  }

  function english(): Language {
    if (otherHits > enHits) return 'unknown';
    if (enHits > 0 || (s.latin >= options.confidentLetters && tokenCount >= 3)) return 'en';
    return 'unknown';
  }
}
