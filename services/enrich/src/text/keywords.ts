import { STOP_AR, STOP_EN, STOPWORD_LANGUAGES } from './stopwords';

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

const DIGITS = /^\p{N}+$/u;

/** Tokens of a folded text, in order (repeats kept: SimHash weighs them). */
export function tokenise(folded: string): string[] {
  const tokens: string[] = [];
  const n = folded.length;
  let start = -1;
  let curly = false;
  for (let i = 0; i < n; i++) {
    const c = folded.charCodeAt(i);
    let k: number;
    if (c < 0xd800) {
      k = classes[c];
      if (k === 0) k = classes[c] = classify(folded[i]);
    } else k = classAt(folded, i);
    if (start < 0) {
      if (k === WORD) start = i;
    } else if (k !== WORD && k !== MARK) {
      // An apostrophe between a word and a letter or mark stays inside the word ("don't").
      const next = k === APOSTROPHE && i + 1 < n ? classAt(folded, i + 1) : OTHER;
      if (next === WORD || next === MARK) {
        if (c === 0x2019) curly = true;
      } else {
        const token = folded.slice(start, i);
        tokens.push(curly ? token.replace(/’/g, "'") : token);
        start = -1;
        curly = false;
      }
    }
    if (c >= 0xd800 && c <= 0xdbff) i++; // the low surrogate belongs to this character
  }
  if (start >= 0) {
    const token = folded.slice(start);
    tokens.push(curly ? token.replace(/’/g, "'") : token);
  }
  return tokens;
}

/**
 * Keywords: distinct tokens in order of appearance, without stopwords of either language (texts mix
 * them), numbers and one-letter tokens; an English possessive "'s" is dropped.
 */
export function keywords(tokens: readonly string[], max = 50): string[] {
  const out: string[] = [];
  for (let t of tokens) {
    if (out.length >= max) break;
    if (t.length > 2 && t.charCodeAt(t.length - 2) === 0x27 && t.charCodeAt(t.length - 1) === 0x73) t = t.slice(0, -2);
    if (t.length < 2 || ((STOPWORD_LANGUAGES.get(t) ?? 0) & (STOP_AR | STOP_EN)) !== 0 || out.includes(t)) continue;
    const c = t.charCodeAt(0);
    // Numbers are not keywords; only a token starting with a digit can be one.
    if (((c >= 0x30 && c <= 0x39) || c >= 0x660) && DIGITS.test(t)) continue;
    out.push(t);
  }
  return out;
}
