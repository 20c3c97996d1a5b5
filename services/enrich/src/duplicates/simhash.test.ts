import { analyseEvent } from '../analyse';
import { groupNearDuplicates, hammingDistance, simhash } from './simhash';

const fp = (text: string) => analyseEvent({ text, url: null }).fingerprint;

describe('simhash', () => {
  test('is 16 hex digits, deterministic, and empty for no tokens', () => {
    expect(simhash(['hello', 'world'])).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash(['hello', 'world'])).toBe(simhash(['hello', 'world']));
    expect(simhash([])).toBe('');
  });

  test('a repost with a small edit is close; an unrelated text is far', () => {
    const original = 'The ministry of health announced a new vaccination campaign starting next week in all regions of the country';
    const edited = 'BREAKING: The ministry of health announced a new vaccination campaign starting next week in all regions of the country!!';
    const other = 'Arsenal won the derby last night with two late goals from the captain and the crowd went wild';
    expect(hammingDistance(fp(original), fp(edited))).toBeLessThanOrEqual(6);
    expect(hammingDistance(fp(original), fp(other))).toBeGreaterThan(16);
  });

  test('Arabic copy-paste with diacritics, tatweel and alef variants differs in no bits', () => {
    const a = 'أعلنت وزارة الصحة عن حملة تطعيم جديدة تبدأ الأسبوع المقبل في جميع المحافظات';
    const b = 'اعلنت وزارة الصحــة عن حملةٍ تطعيمٍ جديدة تبدأ الاسبوع المقبل في جميع المحافظات 🔥';
    expect(hammingDistance(fp(a), fp(b))).toBe(0);
  });

  test('word order matters through bigrams', () => {
    const a = fp('one two three four five six seven eight');
    const b = fp('eight seven six five four three two one');
    expect(hammingDistance(a, b)).toBeGreaterThan(8);
  });
});

describe('hammingDistance', () => {
  test('counts differing bits over all 64', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  });

  test('refuses a malformed fingerprint, naming it', () => {
    expect(() => hammingDistance('xyz', '0000000000000000')).toThrow('fingerprint "xyz": expected 16 lower-case hex digits');
  });
});

describe('groupNearDuplicates', () => {
  test('groups a copy-paste campaign in Arabic and English, with small edits, and leaves unrelated posts out', () => {
    const posts = [
      { id: 'en-1', text: 'Vote for the new park project this Sunday, every voice counts for our city and our children' },
      { id: 'ar-1', text: 'شارك في التصويت على مشروع الحديقة الجديدة يوم الأحد فكل صوت مهم لمدينتنا وأطفالنا' },
      { id: 'other', text: 'Lovely weather at the beach today, the water is warm and the sand is perfect' },
      { id: 'en-2', text: 'Please vote for the new park project this Sunday!! every voice counts for our city and our children 🌳' },
      { id: 'ar-2', text: 'شاركوا فى التصويت على مشروع الحديقة الجديدة يوم الاحد فكل صوت مهم لمدينتنا واطفالنا 🌳🌳' },
      { id: 'en-3', text: 'vote for the NEW park project this sunday - every single voice counts for our city and our children' },
      { id: 'ar-3', text: 'شارك في التصويت على مشروع الحديقة الجديدة يوم الأحد القادم فكل صوت مهم لمدينتنا وأطفالنا' },
      { id: 'empty', text: '🌳🌳🌳' },
    ].map((p) => ({ ...p, fingerprint: fp(p.text) }));
    // Short posts: one edited word moves a 64-bit SimHash by a handful of bits, unrelated posts by ~32.
    const groups = groupNearDuplicates(posts, (p) => p.fingerprint, 10).map((g) => g.map((p) => p.id));
    expect(groups).toEqual([
      ['en-1', 'en-2', 'en-3'],
      ['ar-1', 'ar-2', 'ar-3'],
    ]);
  });

  test('single link: A~B and B~C group A, B and C even when A and C are farther apart', () => {
    const a = '0000000000000000';
    const b = '0000000000000007'; // 3 bits from a
    const c = '000000000000003f'; // 3 bits from b, 6 from a
    const groups = groupNearDuplicates([a, b, c, 'ffffffffffffffff'], (x) => x, 3);
    expect(groups).toEqual([[a, b, c]]);
  });

  test('finds pairs that differ in every band but within the distance', () => {
    // One bit flipped in each of the four 16-bit bands: distance 4, so found with maxDistance 4 (5 bands).
    const a = '0000000000000000';
    const b = '0001000100010001';
    expect(groupNearDuplicates([a, b], (x) => x, 4)).toEqual([[a, b]]);
    expect(groupNearDuplicates([a, b], (x) => x, 3)).toEqual([]);
  });

  test('agrees with comparing every pair', () => {
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const base = Array.from({ length: 20 }, () => Math.floor(rand() * 2 ** 32));
    const fps: string[] = [];
    for (const hi of base) {
      for (let k = 0; k < 3; k++) {
        let lo = 0;
        let h = hi;
        // flip up to 3 random bits
        for (let f = 0; f < 3; f++) if (rand() < 0.7) (rand() < 0.5 ? (lo ^= 1 << Math.floor(rand() * 32)) : (h ^= 1 << Math.floor(rand() * 32)));
        fps.push((h >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0'));
      }
    }
    const banded = groupNearDuplicates(fps, (x) => x, 3);
    // Brute force single-link grouping.
    const parent = fps.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    for (let i = 0; i < fps.length; i++) for (let j = i + 1; j < fps.length; j++) if (hammingDistance(fps[i], fps[j]) <= 3) parent[find(i)] = find(j);
    const brute = new Map<number, string[]>();
    fps.forEach((f, i) => brute.set(find(i), [...(brute.get(find(i)) ?? []), f]));
    const norm = (gs: string[][]) => gs.map((g) => [...g].sort().join(',')).sort();
    expect(norm(banded)).toEqual(norm([...brute.values()].filter((g) => g.length > 1)));
    expect(banded.length).toBeGreaterThan(5);
  });

  test('refuses a distance outside 0..63', () => {
    expect(() => groupNearDuplicates([], (x: string) => x, 64)).toThrow('maxDistance 64: expected an integer from 0 to 63');
  });
});
