import { ulidFactory, ulidTime } from './ids';

describe('ulid', () => {
  test('26 Crockford base32 characters that carry the time', () => {
    const id = ulidFactory(() => 1_700_000_000_123)();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ulidTime(id)).toBe(1_700_000_000_123);
  });

  test('ids from one factory sort in creation order, also within one millisecond and when the clock steps back', () => {
    const t = 1_700_000_000_000;
    const times = [t, t, t, t + 5, t + 5, t + 3, t + 9];
    let i = 0;
    const next = ulidFactory(() => times[i++]);
    const ids = times.map(() => next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
