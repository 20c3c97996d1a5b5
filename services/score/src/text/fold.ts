/**
 * Folding for matching, the same rules enrich applies to produce `matchText` (lower case, Arabic letter
 * variants unified, diacritics and tatweel removed, Arabic-Indic digits as ASCII). Score folds by itself
 * when a record carries no matchText (direct producers, evaluation data), so both paths see the same text.
 */

const ARABIC_FOLD = new Map<number, string>();
for (const c of [0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673]) ARABIC_FOLD.set(c, '\u0627');
ARABIC_FOLD.set(0x0649, '\u064A'); // ى → ي
ARABIC_FOLD.set(0x06cc, '\u064A'); // ی → ي
ARABIC_FOLD.set(0x0629, '\u0647'); // ة → ه
ARABIC_FOLD.set(0x06a9, '\u0643'); // ک → ك
ARABIC_FOLD.set(0x0640, ''); // tatweel
for (let c = 0x064b; c <= 0x065f; c++) ARABIC_FOLD.set(c, '');
for (let c = 0x0610; c <= 0x061a; c++) ARABIC_FOLD.set(c, '');
for (let c = 0x06d6; c <= 0x06ed; c++) ARABIC_FOLD.set(c, '');
ARABIC_FOLD.set(0x0670, '');
for (let d = 0; d <= 9; d++) {
  ARABIC_FOLD.set(0x0660 + d, String(d));
  ARABIC_FOLD.set(0x06f0 + d, String(d));
}

const HAS_ARABIC = /[\u0600-\u06FF]/;
const HAS_LATIN_DIACRITIC = /[\u00C0-\u024F\u0300-\u036F\u1E00-\u1EFF]/;
const COMBINING_LATIN = /[\u0300-\u036F]/g;

function foldArabic(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x0600 || code > 0x06ff) continue;
    const to = ARABIC_FOLD.get(code);
    if (to === undefined) continue;
    out += text.slice(start, i) + to;
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

export function foldForMatch(text: string): string {
  let s = text.toLowerCase();
  if (HAS_LATIN_DIACRITIC.test(s)) s = s.normalize('NFD').replace(COMBINING_LATIN, '').normalize('NFC');
  if (HAS_ARABIC.test(s)) s = foldArabic(s);
  return s;
}

/** Folds a lexicon entry written as usually spelled (with hamzas, ة, ى). */
export const foldWord = (w: string): string => foldForMatch(w.normalize('NFKC').trim());
