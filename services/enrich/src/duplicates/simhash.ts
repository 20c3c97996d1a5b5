/**
 * 64-bit SimHash (Charikar) over word unigrams and bigrams: texts that share most of their words get
 * fingerprints that differ in few bits, so reposts and copy-paste campaigns with small edits can be
 * grouped by Hamming distance. The fingerprint is 16 hex digits, computed on two 32-bit halves.
 */
import { fmix32, hashTokens } from '../text/token-hash';

// Per bit position, how many features have that bit set, kept as bit-sliced counters: plane p holds
// bit p of the 32 counts of one half. Adding a feature is a ripple-carry increment of all 32 counters at
// once (about two word operations on average) instead of 32 separate additions.
const PLANES = 32;
const loPlanes = new Int32Array(PLANES);
const hiPlanes = new Int32Array(PLANES);
let usedPlanes = 0;

function addFeature(lo: number, hi: number): void {
  let carry = lo;
  for (let p = 0; carry !== 0; p++) {
    const t = loPlanes[p] & carry;
    loPlanes[p] ^= carry;
    carry = t;
    if (p >= usedPlanes) usedPlanes = p + 1;
  }
  carry = hi;
  for (let p = 0; carry !== 0; p++) {
    const t = hiPlanes[p] & carry;
    hiPlanes[p] ^= carry;
    carry = t;
    if (p >= usedPlanes) usedPlanes = p + 1;
  }
}

/**
 * Bits whose count is more than half the features (the sign of the SimHash weight sum): all 32 counters
 * are compared with the threshold at once, plane by plane from the most significant bit.
 */
function majority(planes: Int32Array, features: number): number {
  const threshold = (features >>> 1) + 1; // count * 2 > features  ⇔  count >= floor(features / 2) + 1
  let greater = 0;
  let equal = -1;
  const top = Math.max(usedPlanes, 32 - Math.clz32(threshold));
  for (let p = top - 1; p >= 0; p--) {
    const t = (threshold >>> p) & 1 ? -1 : 0;
    const c = planes[p];
    greater |= equal & c & ~t;
    equal &= ~(c ^ t);
  }
  return (greater | equal) >>> 0;
}

/** Fingerprint of a token sequence; '' when there are no tokens. */
export function simhash(tokens: readonly string[]): string {
  const { lo, hi } = hashTokens(tokens);
  return simhashOf(lo, hi, tokens.length);
}

/** simhash() of `count` tokens given their hashes (see token-hash.ts). */
export function simhashOf(tokenLo: Int32Array, tokenHi: Int32Array, count: number): string {
  if (count === 0) return '';
  loPlanes.fill(0);
  hiPlanes.fill(0);
  usedPlanes = 0;
  let features = 0;
  let prevLo = 0;
  let prevHi = 0;
  for (let i = 0; i < count; i++) {
    const lo = tokenLo[i] >>> 0;
    const hi = tokenHi[i] >>> 0;
    addFeature(lo, hi);
    features++;
    // Bigrams keep some word order, so a shuffled text is not a near-duplicate.
    if (i > 0) {
      addFeature(fmix32(Math.imul(prevLo, 0x9e3779b1) ^ lo), fmix32(Math.imul(prevHi, 0x85ebca77) ^ hi));
      features++;
    }
    prevLo = lo;
    prevHi = hi;
  }
  return hex16(majority(hiPlanes, features), majority(loPlanes, features));
}

const HEX = Array.from('0123456789abcdef', (d) => d.charCodeAt(0));

/** Two 32-bit halves as 16 lower-case hex digits, in one string allocation. */
export function hex16(hi: number, lo: number): string {
  return String.fromCharCode(
    HEX[(hi >>> 28) & 15], HEX[(hi >>> 24) & 15], HEX[(hi >>> 20) & 15], HEX[(hi >>> 16) & 15],
    HEX[(hi >>> 12) & 15], HEX[(hi >>> 8) & 15], HEX[(hi >>> 4) & 15], HEX[hi & 15],
    HEX[(lo >>> 28) & 15], HEX[(lo >>> 24) & 15], HEX[(lo >>> 20) & 15], HEX[(lo >>> 16) & 15],
    HEX[(lo >>> 12) & 15], HEX[(lo >>> 8) & 15], HEX[(lo >>> 4) & 15], HEX[lo & 15],
  );
}

function popcount32(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function halves(fp: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(fp)) throw new Error(`fingerprint ${JSON.stringify(fp)}: expected 16 lower-case hex digits`);
  return [parseInt(fp.slice(0, 8), 16), parseInt(fp.slice(8), 16)];
}

/** Number of differing bits between two fingerprints. */
export function hammingDistance(a: string, b: string): number {
  const [ah, al] = halves(a);
  const [bh, bl] = halves(b);
  return popcount32(ah ^ bh) + popcount32(al ^ bl);
}

/**
 * Groups items whose fingerprints are within `maxDistance` bits of each other (single link: A~B and
 * B~C put A, B and C in one group). Only groups of two or more are returned, in input order. Candidate
 * pairs come from bands: split 64 bits into maxDistance+1 bands; two fingerprints within maxDistance
 * bits agree on at least one whole band (pigeonhole), so only items sharing a band are compared.
 */
export function groupNearDuplicates<T>(items: readonly T[], fingerprintOf: (item: T) => string, maxDistance = 3): T[][] {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 63) throw new Error(`maxDistance ${maxDistance}: expected an integer from 0 to 63`);
  const fps = items.map(fingerprintOf);
  // Empty fingerprints (no text) group with nothing; malformed ones are refused by halves().
  const values = fps.map((fp) => (fp ? (halves(fp), BigInt(`0x${fp}`)) : null));
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const bands = maxDistance + 1;
  const width = Math.floor(64 / bands);
  for (let band = 0; band < bands; band++) {
    const shift = BigInt(band * width);
    const bits = band === bands - 1 ? 64 - band * width : width;
    const mask = (1n << BigInt(bits)) - 1n;
    const buckets = new Map<bigint, number[]>();
    values.forEach((v, i) => {
      if (v === null) return;
      const key = (v >> shift) & mask;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          const i = bucket[x];
          const j = bucket[y];
          if (find(i) !== find(j) && hammingDistance(fps[i], fps[j]) <= maxDistance) parent[find(i)] = find(j);
        }
      }
    }
  }
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    if (values[i] === null) return;
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(item);
    else groups.set(root, [item]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}
