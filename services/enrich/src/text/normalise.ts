/**
 * Two views of a text: `normaliseText` is for reading (Unicode NFKC, invisible and control characters
 * removed, whitespace collapsed; case and diacritics kept) and `foldForMatch` is for matching (lower case,
 * Arabic letter variants unified, diacritics and tatweel removed, Arabic-Indic digits as ASCII).
 * The original text is never changed; both are derived from it.
 */

// C0/C1 controls other than whitespace, zero-width characters, bidi marks and embeddings, BOM, soft hyphen.
// Arabic social text is full of RLM/LRM and isolates that break matching. ZWJ (U+200D) is kept: it joins
// emoji sequences such as 👨‍👩‍👧.
const INVISIBLE = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
// Every run of whitespace (incl. tabs, newlines, NBSP, ideographic space, line/paragraph separators).
const WHITESPACE = /[\s\u0085\u2028\u2029]+/g;
// Only texts with something outside printable ASCII need NFKC or the clean-up above.
const NEEDS_WORK = /[^\x20-\x7E]|\s{2}|^\s|\s$/;

/** NFKC, invisible/control characters removed, whitespace runs collapsed to one space, trimmed. */
export function normaliseText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(WHITESPACE, ' ').trim();
}

/** Code point → replacement ('' removes it) for folding Arabic script; indexed by code - 0x0600. */
const ARABIC_FOLD: Array<string | undefined> = new Array(0x100).fill(undefined);
function foldTo(code: number, to: string): void {
  ARABIC_FOLD[code - 0x0600] = to;
}
// Alef with hamza above/below, with madda, wasla, and the rarer wavy-hamza forms → bare alef.
for (const c of [0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673]) foldTo(c, '\u0627');
foldTo(0x0649, '\u064A'); // alef maqsura ى → ya ي
foldTo(0x06CC, '\u064A'); // Farsi yeh ی (often typed for ي) → ya ي
foldTo(0x0629, '\u0647'); // ta marbuta ة → ha ه
foldTo(0x06A9, '\u0643'); // keheh ک → kaf ك
foldTo(0x0640, ''); // tatweel (kashida) is decoration
// Harakat, tanwin, shadda, sukun and the other combining marks of the Arabic block.
for (let c = 0x064B; c <= 0x065F; c++) foldTo(c, '');
for (let c = 0x0610; c <= 0x061A; c++) foldTo(c, '');
for (let c = 0x06D6; c <= 0x06ED; c++) foldTo(c, '');
foldTo(0x0670, ''); // superscript (dagger) alef
// Arabic-Indic and Extended (Persian/Urdu) digits → ASCII.
for (let d = 0; d <= 9; d++) {
  foldTo(0x0660 + d, String(d));
  foldTo(0x06F0 + d, String(d));
}

const HAS_ARABIC = /[\u0600-\u06FF]/;
// Latin letters with diacritics (é, ñ, ü …) or combining marks: fold them to the base letter for matching.
const HAS_LATIN_DIACRITIC = /[\u00C0-\u024F\u0300-\u036F\u1E00-\u1EFF]/;
const COMBINING_LATIN = /[\u0300-\u036F]/g;

function foldArabic(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x0600 || code > 0x06FF) continue;
    const to = ARABIC_FOLD[code - 0x0600];
    if (to === undefined) continue;
    out += text.slice(start, i) + to;
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

/** Text folded for matching. Expects the output of normaliseText. */
export function foldForMatch(normalised: string): string {
  let s = normalised.toLowerCase();
  if (HAS_LATIN_DIACRITIC.test(s)) s = s.normalize('NFD').replace(COMBINING_LATIN, '').normalize('NFC');
  if (HAS_ARABIC.test(s)) s = foldArabic(s);
  return s;
}
