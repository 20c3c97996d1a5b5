import { DuplicateWindow, contentHash } from './exact';

const at = (offset: number, partition = 0) => ({ topic: 'raw', partition, offset });
const HOUR = 3_600_000;

describe('DuplicateWindow', () => {
  test('the same id on another record within the window is a duplicate', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 100 });
    expect(w.check(['id:a'], 1000, at(1))).toBe(false);
    expect(w.check(['id:a'], 1000 + HOUR - 1, at(2))).toBe(true);
  });

  test('the same content under another id is a duplicate', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 100 });
    expect(w.check(['id:a', 'content:x'], 1000, at(1))).toBe(false);
    expect(w.check(['id:b', 'content:x'], 2000, at(2))).toBe(true);
    expect(w.check(['id:c', 'content:y'], 3000, at(3))).toBe(false);
  });

  test('outside the window (either direction of event time) it is new again', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 100 });
    expect(w.check(['id:a'], 10 * HOUR, at(1))).toBe(false);
    expect(w.check(['id:a'], 12 * HOUR, at(2))).toBe(false);
    // An out-of-order event older than the window relative to the new anchor is not a duplicate either.
    expect(w.check(['id:a'], 10 * HOUR, at(3))).toBe(false);
  });

  test('the same Kafka record seen again (redelivery or replay) is not a duplicate of itself', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 100 });
    expect(w.check(['id:a', 'content:x'], 1000, at(7))).toBe(false);
    expect(w.check(['id:a', 'content:x'], 1000, at(7))).toBe(false);
    expect(w.check(['id:a', 'content:x'], 1000, at(7, 1))).toBe(true);
  });

  test('memory is bounded: the oldest keys are forgotten first', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 3 });
    for (let i = 0; i < 10; i++) w.check([`id:${i}`], 1000 + i, at(i));
    expect(w.size).toBe(3);
    expect(w.check(['id:0'], 2000, at(100))).toBe(false); // forgotten
    expect(w.check(['id:9'], 2000, at(101))).toBe(true); // remembered
  });

  test('a key re-anchored outside the window is remembered once', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 100 });
    w.check(['id:a'], 0, at(1));
    w.check(['id:a'], 3 * HOUR, at(2));
    w.check(['id:a'], 6 * HOUR, at(3));
    expect(w.size).toBe(1);
    expect(w.check(['id:a'], 6 * HOUR + 1, at(4))).toBe(true);
  });

  test('many keys with colliding index positions are all found, and eviction keeps them findable', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 500 });
    for (let i = 0; i < 2000; i++) w.check([`k${i}`], 1000, at(i));
    // The last 500 are remembered (seen again from another record: duplicates), the rest forgotten.
    for (let i = 1500; i < 2000; i++) expect(w.check([`k${i}`], 1000, at(10_000 + i))).toBe(true);
    for (let i = 0; i < 1500; i += 7) expect(w.check([`k${i}`], 1000, at(20_000 + i))).toBe(false);
  });

  test('a big window stays within maxEntries', () => {
    const w = new DuplicateWindow({ windowMs: HOUR, maxEntries: 1000 });
    for (let i = 0; i < 10_000; i++) w.check([`id:${i}`, `content:${i}`], 1000 + i, at(i));
    expect(w.size).toBe(1000);
  });

  test('behaves like a Map forgetting keys in the order they were first remembered (randomised)', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const capacity = 50;
    const w = new DuplicateWindow({ windowMs: 100, maxEntries: capacity });
    // Reference model: insertion-ordered Map (a re-anchored key keeps its place), the oldest goes first.
    const model = new Map<string, { at: number; pos: string }>();
    for (let step = 0; step < 20_000; step++) {
      const keys = [`id:${rand(120)}`, `content:${rand(80)}`];
      const t = step + rand(300);
      const pos = { topic: 'raw', partition: rand(3), offset: rand(5) };
      let expected = false;
      for (const key of keys) {
        const prior = model.get(key);
        if (prior && Math.abs(t - prior.at) <= 100) {
          if (prior.pos !== `${pos.partition}:${pos.offset}`) expected = true;
          continue;
        }
        model.set(key, { at: t, pos: `${pos.partition}:${pos.offset}` });
        if (model.size > capacity) model.delete(model.keys().next().value!);
      }
      expect(w.check(keys, t, pos)).toBe(expected);
    }
    expect(w.size).toBe(model.size);
  });

  test('checkEvent is check with the id and content keys', () => {
    const a = new DuplicateWindow({ windowMs: HOUR, maxEntries: 50 });
    const b = new DuplicateWindow({ windowMs: HOUR, maxEntries: 50 });
    for (let i = 0; i < 500; i++) {
      const id = `e${i % 70}`;
      const content = i % 3 === 0 ? null : `c${i % 40}`;
      const keys = content === null ? [`id:${id}`] : [`id:${id}`, `content:${content}`];
      expect(a.checkEvent(id, content, 1000 + i * 10, at(i % 9))).toBe(b.check(keys, 1000 + i * 10, at(i % 9)));
    }
    expect(a.size).toBe(b.size);
  });

  test('refuses nonsense options, naming them', () => {
    expect(() => new DuplicateWindow({ windowMs: 0, maxEntries: 1 })).toThrow('windowMs 0: expected a positive number of milliseconds');
    expect(() => new DuplicateWindow({ windowMs: 1, maxEntries: 0 })).toThrow('maxEntries 0: expected at least 1');
  });
});

describe('contentHash', () => {
  test('16 hex digits, deterministic, sensitive to every character', () => {
    expect(contentHash('hello world')).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHash('hello world')).toBe(contentHash('hello world'));
    expect(contentHash('hello world')).not.toBe(contentHash('hello worle'));
    expect(contentHash('')).not.toBe(contentHash(' '));
  });

  test('no collisions over many similar texts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(contentHash(`post number ${i} about العاصمة`));
    expect(seen.size).toBe(50_000);
  });
});
