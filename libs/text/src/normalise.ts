/**
 * The reading view of a text: Unicode NFKC, invisible and control characters removed, whitespace runs
 * collapsed to one space, ends trimmed. Case, diacritics and letter variants are kept (see fold.ts for
 * the matching view). The original text is never changed; this is derived from it.
 */

// C0/C1 controls other than whitespace, zero-width characters, bidi marks and embeddings, BOM, soft hyphen.
// Arabic social text is full of RLM/LRM and isolates that break matching. ZWJ (U+200D) is kept: it joins
// emoji sequences such as 👨‍👩‍👧.
const INVISIBLE = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
// Every run of whitespace (incl. tabs, newlines, NBSP, ideographic space, line/paragraph separators).
const WHITESPACE = /[\s\u0085\u2028\u2029]+/g;
const ONE_INVISIBLE = new RegExp(INVISIBLE.source);
const ONE_WHITESPACE = /^[\s\u0085\u2028\u2029]$/;

// What the clean-up does to a UTF-16 code unit: 0 not looked at yet, KEEP, SPACE (a plain space: kept
// unless it starts, ends or doubles a run), CLEAN (removed or collapsed). Filled in as characters are
// met: most texts use a few hundred distinct characters, and a regex per character is too slow.
const KEEP = 1;
const SPACE = 2;
const CLEAN = 3;
const kinds = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) kinds[c] = c === 0x20 ? SPACE : c > 0x20 && c < 0x7f ? KEEP : CLEAN;

function kindOf(c: number): number {
  const ch = String.fromCharCode(c);
  return (kinds[c] = ONE_INVISIBLE.test(ch) || ONE_WHITESPACE.test(ch) ? CLEAN : KEEP);
}

/** Whether the clean-up (invisible characters, whitespace runs, ends) would change an NFKC text. */
function needsCleanUp(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let previous = SPACE; // a leading space needs trimming
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let k = kinds[c];
    if (k === 0) k = kindOf(c);
    if (k === CLEAN || (k === SPACE && previous === SPACE)) return true;
    previous = k;
  }
  return previous === SPACE;
}

/** NFKC, invisible/control characters removed, whitespace runs collapsed to one space, trimmed. */
export function normaliseText(text: string): string {
  // NFKC is cheap on text that is already NFKC (most of it): ICU checks before it rewrites.
  const s = text.normalize('NFKC');
  if (!needsCleanUp(s)) return s;
  return s.replace(INVISIBLE, '').replace(WHITESPACE, ' ').trim();
}
