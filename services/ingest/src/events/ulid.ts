import { randomFillSync } from 'node:crypto';

// Crockford's base32, as the ULID spec uses: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/**
 * A monotonic ULID factory: 48-bit millisecond time, then 80 random bits. Within one millisecond the
 * random part is incremented instead of redrawn, so ids from one process sort in the order they were
 * made (the ULID spec's monotonic mode). Random bytes come from a pooled buffer to keep the hot path
 * free of a crypto call per id.
 */
export function ulidFactory(now: () => number = Date.now): () => string {
  const pool = Buffer.allocUnsafe(4096);
  let poolAt = pool.length;
  const random = new Uint8Array(RANDOM_CHARS); // one 5-bit digit per entry
  let lastTime = -1;
  let timePart = '';

  const redraw = () => {
    if (poolAt + RANDOM_CHARS > pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    for (let i = 0; i < RANDOM_CHARS; i++) random[i] = pool[poolAt++] & 31;
  };

  const increment = (): boolean => {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (random[i] < 31) {
        random[i]++;
        return true;
      }
      random[i] = 0;
    }
    return false;
  };

  return () => {
    let t = now();
    if (t <= lastTime) {
      t = lastTime;
      // 2^80 ids in one millisecond cannot happen; if it did, borrow the next millisecond.
      if (!increment()) {
        t = lastTime + 1;
        redraw();
      }
    } else {
      redraw();
    }
    if (t !== lastTime) {
      lastTime = t;
      timePart = encodeTime(t);
    }
    let out = timePart;
    for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[random[i]];
    return out;
  };
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** Milliseconds since the epoch encoded in a ULID's first ten characters. */
export function ulidTime(id: string): number {
  let t = 0;
  for (let i = 0; i < TIME_CHARS; i++) t = t * 32 + ALPHABET.indexOf(id[i]);
  return t;
}
