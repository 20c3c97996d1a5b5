import { STOP_AR, STOP_EN, STOPWORD_TABLE } from './stopwords';
import { HASH_A0, HASH_B0, fmix32, hashHi, hashLo, hashTokens, stepA, stepB, tokenHash } from './token-hash';

// Character classes of the tokeniser, with Unicode's own definitions: a word starts with a letter or a
// digit (\p{L}, \p{N}) of any script and continues with letters, marks and digits; an apostrophe between
// letters stays inside ("don't"). Classes of BMP code units are computed once and remembered: this runs
// for every event, and a regex per character is too slow.
const WORD = 1;
const MARK = 2;
const OTHER = 3;
const APOSTROPHE = 4;
const classes = new Uint8Array(0x10000);
const WORD_RE = /[\p{L}\p{N}]/u;
const MARK_RE = /\p{M}/u;

function classify(ch: string): number {
  return WORD_RE.test(ch) ? WORD : MARK_RE.test(ch) ? MARK : OTHER;
}

for (let c = 0; c < 0x80; c++) classes[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? WORD : OTHER;
classes[0x27] = APOSTROPHE;
classes[0x2019] = APOSTROPHE;

/** Class of the character at i (an astral character is looked at as its surrogate pair). */
function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c >= 0xe000) {
    const k = classes[c];
    return k !== 0 ? k : (classes[c] = classify(text[i]));
  }
  // Emoji mostly; some rare scripts have letters up there.
  return c <= 0xdbff ? classify(text.slice(i, i + 2)) : OTHER;
}

/**
 * Tokens of one text with their hashes (see token-hash.ts): `lo[i]`/`hi[i]` belong to `tokens[i]`.
 * The arrays are reused by the next scanTokens call: read them before.
 */
export interface TokenScan {
  tokens: string[];
  lo: Int32Array;
  hi: Int32Array;
}

const scan: TokenScan = { tokens: [], lo: new Int32Array(256), hi: new Int32Array(256) };

function grow(): void {
  const lo = new Int32Array(scan.lo.length * 2);
  const hi = new Int32Array(scan.hi.length * 2);
  lo.set(scan.lo);
  hi.set(scan.hi);
  scan.lo = lo;
  scan.hi = hi;
}

/** Tokens of a folded text, in order (repeats kept: SimHash weighs them), with their hashes. */
export function scanTokens(folded: string): TokenScan {
  const tokens: string[] = [];
  scan.tokens = tokens;
  const n = folded.length;
  let start = -1;
  let curly = false;
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const c = folded.charCodeAt(i);
    let k: number;
    if (c < 0xd800) {
      k = classes[c];
      if (k === 0) k = classes[c] = classify(folded[i]);
    } else k = classAt(folded, i);
    if (start < 0) {
      if (k === WORD) {
        start = i;
        a = stepA(HASH_A0, c);
        b = stepB(HASH_B0, c);
      }
    } else if (k === WORD || k === MARK) {
      a = stepA(a, c);
      b = stepB(b, c);
    } else {
      // An apostrophe between a word and a letter or mark stays inside the word ("don't"), as '.
      const next = k === APOSTROPHE && i + 1 < n ? classAt(folded, i + 1) : OTHER;
      if (next === WORD || next === MARK) {
        if (c === 0x2019) curly = true;
        a = stepA(a, 0x27);
        b = stepB(b, 0x27);
      } else {
        emit(folded.slice(start, i), curly, a, b);
        start = -1;
        curly = false;
        if (c >= 0xd800 && c <= 0xdbff) i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      i++; // the low surrogate belongs to this character (and to the token when the character is in it)
      if (start >= 0 && i < n) {
        const low = folded.charCodeAt(i);
        a = stepA(a, low);
        b = stepB(b, low);
      }
    }
  }
  if (start >= 0) emit(folded.slice(start), curly, a, b);
  return scan;

  function emit(token: string, hasCurly: boolean, ha: number, hb: number): void {
    const k = tokens.length;
    if (k === scan.lo.length) grow();
    tokens.push(hasCurly ? token.replace(/’/g, "'") : token);
    scan.lo[k] = fmix32(ha);
    scan.hi[k] = fmix32(hb ^ token.length);
  }
}

/** Tokens of a folded text, in order (repeats kept: SimHash weighs them). */
export function tokenise(folded: string): string[] {
  return scanTokens(folded).tokens;
}

const DIGITS = /^\p{N}+$/u;
// Hashes of the keywords so far (de-duplication compares numbers before strings); grown on demand.
let kwLo = new Int32Array(64);
let kwHi = new Int32Array(64);

/**
 * Keywords: distinct tokens in order of appearance, without stopwords of either language (texts mix
 * them), numbers and one-letter tokens; an English possessive "'s" is dropped.
 */
export function keywords(tokens: readonly string[], max = 50): string[] {
  const { lo, hi } = hashTokens(tokens);
  return keywordsOf({ tokens: tokens as string[], lo, hi }, max);
}

/** keywords() of a scan, reading the hashes it already has. */
export function keywordsOf(s: TokenScan, max = 50): string[] {
  const out: string[] = [];
  const { tokens } = s;
  for (let i = 0; i < tokens.length && out.length < max; i++) {
    let t = tokens[i];
    let lo = s.lo[i];
    let hi = s.hi[i];
    if (t.length > 2 && t.charCodeAt(t.length - 2) === 0x27 && t.charCodeAt(t.length - 1) === 0x73) {
      t = t.slice(0, -2);
      tokenHash(t);
      lo = hashLo;
      hi = hashHi;
    }
    if (t.length < 2 || (STOPWORD_TABLE.get(t, lo, hi) & (STOP_AR | STOP_EN)) !== 0 || seen(out, t, lo, hi)) continue;
    const c = t.charCodeAt(0);
    // Numbers are not keywords; only a token starting with a digit can be one.
    if (((c >= 0x30 && c <= 0x39) || c >= 0x660) && DIGITS.test(t)) continue;
    if (out.length === kwLo.length) {
      const l = new Int32Array(kwLo.length * 2);
      const h = new Int32Array(kwLo.length * 2);
      l.set(kwLo);
      h.set(kwHi);
      kwLo = l;
      kwHi = h;
    }
    kwLo[out.length] = lo;
    kwHi[out.length] = hi;
    out.push(t);
  }
  return out;
}

function seen(out: string[], t: string, lo: number, hi: number): boolean {
  for (let j = 0; j < out.length; j++) if (kwLo[j] === (lo | 0) && kwHi[j] === (hi | 0) && out[j] === t) return true;
  return false;
}
