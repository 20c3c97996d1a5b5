import { randomFillSync } from 'node:crypto';

// Crockford's base32, as the ULID spec uses: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** Fills `into` from a pooled buffer of random bytes: one crypto call per 256 ids, not one per id. */
function pooledRandom(): (into: Uint8Array) => void {
  const pool = Buffer.allocUnsafe(4096);
  let at = pool.length;
  return (into) => {
    if (at + into.length > pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    for (let i = 0; i < into.length; i++) into[i] = pool[at++];
  };
}

/**
 * A monotonic ULID factory (48-bit millisecond time, 80 random bits): the id ingest gives an event that
 * came without one, and the idempotency key the SDK puts on every event. Within one millisecond the
 * random part is incremented rather than redrawn (the spec's monotonic mode), so the ids one factory
 * makes sort in the order it made them. `random` fills a buffer with random bytes; tests and the
 * simulator pass a seeded one.
 */
export function ulidFactory(now: () => number = Date.now, random: (into: Uint8Array) => void = pooledRandom()): () => string {
  const digits = new Uint8Array(RANDOM_CHARS); // one 5-bit digit per entry
  const bytes = new Uint8Array(RANDOM_CHARS);
  let lastTime = -1;
  let timePart = '';

  const redraw = () => {
    random(bytes);
    for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = bytes[i] & 31;
  };
  const increment = (): boolean => {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (digits[i] < 31) {
        digits[i]++;
        return true;
      }
      digits[i] = 0;
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
    } else redraw();
    if (t !== lastTime) {
      lastTime = t;
      timePart = encodeTime(t);
    }
    let out = timePart;
    for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[digits[i]];
    return out;
  };
}

function encodeTime(ms: number): string {
  let out = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** Milliseconds since the epoch in a ULID's first ten characters. */
export function ulidTime(id: string): number {
  let t = 0;
  for (let i = 0; i < TIME_CHARS; i++) t = t * 32 + ALPHABET.indexOf(id[i].toUpperCase());
  return t;
}

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
