/**
 * The 64-bit token hash SimHash, keyword de-duplication, stopword lookups and the content hash share:
 * two independent FNV-style 32-bit hashes of the token's UTF-16 code units, finalised by fmix32. The
 * tokeniser computes it while it scans, so no token is hashed twice.
 */
export const HASH_A0 = 0x811c9dc5;
export const HASH_B0 = 0x9747b28c;
export const stepA = (a: number, c: number): number => Math.imul(a ^ c, 0x01000193);
export const stepB = (b: number, c: number): number => Math.imul(b ^ c, 0x5bd1e995);

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// tokenHash's result, without allocating a pair per call on the hot path.
export let hashLo = 0;
export let hashHi = 0;

/** Hash of one token into hashLo/hashHi. */
export function tokenHash(t: string): void {
  let a = HASH_A0;
  let b = HASH_B0;
  for (let j = 0; j < t.length; j++) {
    const c = t.charCodeAt(j);
    a = stepA(a, c);
    b = stepB(b, c);
  }
  hashLo = fmix32(a);
  hashHi = fmix32(b ^ t.length);
}

/** Both hash halves of every token, in token order. */
export function hashTokens(tokens: readonly string[]): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(tokens.length);
  const hi = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    tokenHash(tokens[i]);
    lo[i] = hashLo;
    hi[i] = hashHi;
  }
  return { lo, hi };
}

/**
 * A set of strings looked up by token hash (open addressing on the low half), confirmed by comparing
 * the strings, with a small number per entry. Cheaper than a Map for tokens sliced fresh from each text:
 * their hash is already known, a Map would hash them again.
 */
export class HashedWords {
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly words: string[];
  private readonly values: Int32Array;
  private readonly mask: number;

  constructor(entries: Iterable<[string, number]>) {
    const list = [...entries];
    let size = 16;
    while (size < list.length * 3) size *= 2;
    this.lo = new Int32Array(size);
    this.hi = new Int32Array(size);
    this.words = new Array<string>(size).fill('');
    this.values = new Int32Array(size); // 0: free slot
    this.mask = size - 1;
    for (const [word, value] of list) {
      if (value === 0) continue;
      tokenHash(word);
      let i = hashLo & this.mask;
      while (this.values[i] !== 0 && this.words[i] !== word) i = (i + 1) & this.mask;
      this.lo[i] = hashLo;
      this.hi[i] = hashHi;
      this.words[i] = word;
      this.values[i] = value;
    }
  }

  /** The value of `word` whose token hash is (lo, hi); 0 when absent. */
  get(word: string, lo: number, hi: number): number {
    const { mask } = this;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const v = this.values[i];
      if (v === 0) return 0;
      if (this.lo[i] === (lo | 0) && this.hi[i] === (hi | 0) && this.words[i] === word) return v;
    }
  }
}
