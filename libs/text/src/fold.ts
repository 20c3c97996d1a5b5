/**
 * The matching view of a text: lower case, Arabic letter variants unified (أ إ آ ٱ → ا, ى ی → ي, ة → ه,
 * ک → ك), Arabic diacritics and tatweel removed, Arabic-Indic and Persian digits as ASCII, Latin
 * diacritics removed (é → e). Enrich writes it as `matchText`; score folds by itself when a record
 * carries none, and folds its lexicons the same way, so every path compares like with like.
 */

/** Code unit → replacement (-1 keep, -2 remove) for the Arabic block, indexed by code - 0x0600. */
const ARABIC_FOLD = new Int32Array(0x100).fill(-1);
const REMOVE = -2;
function foldTo(code: number, to: number): void {
  ARABIC_FOLD[code - 0x0600] = to;
}
// Alef with hamza above/below, with madda, wasla, and the rarer wavy-hamza forms → bare alef.
for (const c of [0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673]) foldTo(c, 0x0627);
foldTo(0x0649, 0x064a); // alef maqsura ى → ya ي
foldTo(0x06cc, 0x064a); // Farsi yeh ی (often typed for ي) → ya ي
foldTo(0x0629, 0x0647); // ta marbuta ة → ha ه
foldTo(0x06a9, 0x0643); // keheh ک → kaf ك
foldTo(0x0640, REMOVE); // tatweel (kashida) is decoration
// Harakat, tanwin, shadda, sukun and the other combining marks of the Arabic block.
for (let c = 0x064b; c <= 0x065f; c++) foldTo(c, REMOVE);
for (let c = 0x0610; c <= 0x061a; c++) foldTo(c, REMOVE);
for (let c = 0x06d6; c <= 0x06ed; c++) foldTo(c, REMOVE);
foldTo(0x0670, REMOVE); // superscript (dagger) alef
// Arabic-Indic and Extended (Persian/Urdu) digits → ASCII.
for (let d = 0; d <= 9; d++) {
  foldTo(0x0660 + d, 0x30 + d);
  foldTo(0x06f0 + d, 0x30 + d);
}

const COMBINING_LATIN = /[\u0300-\u036F]/g;
// Latin letters with diacritics (é, ñ, ü …) or combining marks: folded to the base letter.
const HAS_LATIN_DIACRITIC = /[\u00C0-\u024F\u0300-\u036F\u1E00-\u1EFF]/;
// Exactly the characters ARABIC_FOLD changes (a regex scan is faster than a loop in JavaScript).
const ARABIC_FOLDS = /[\u0610-\u061A\u0622\u0623\u0625\u0629\u0640\u0649\u064B-\u065F\u0660-\u0669\u0670-\u0673\u06A9\u06CC\u06D6-\u06ED\u06F0-\u06F9]/;

// The folded text is built by concatenation: V8 joins the pieces lazily, cheaper than a code-unit buffer.
const FOLD_TO: Array<string | undefined> = Array.from(ARABIC_FOLD, (to) => (to === -1 ? undefined : to === REMOVE ? '' : String.fromCharCode(to)));

/** Folds the Arabic block from index `from` on (the first character that folds). */
function foldArabic(text: string, from: number): string {
  let out = '';
  let start = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x0600 || code > 0x06ff) continue;
    const to = FOLD_TO[code - 0x0600];
    if (to === undefined) continue;
    out += text.slice(start, i) + to;
    start = i + 1;
  }
  return out + text.slice(start);
}

/** Text folded for matching. Expects normalised text (normaliseText), folds any text consistently. */
export function foldForMatch(text: string): string {
  let s = text.toLowerCase();
  if (HAS_LATIN_DIACRITIC.test(s)) s = s.normalize('NFD').replace(COMBINING_LATIN, '').normalize('NFC');
  const first = s.search(ARABIC_FOLDS);
  return first < 0 ? s : foldArabic(s, first);
}

/** Folds a lexicon or stopword entry written as usually spelled (with hamzas, ة, ى). */
export const foldWord = (word: string): string => foldForMatch(word.normalize('NFKC').trim());
