import { schemaType, type RawEvent } from '@sluice/contracts';
import { EventValidator, eventKey } from './validate';

const stamp = { producer: 'acme', receivedAt: 1_700_000_000_500 };
let n = 0;
const validator = new EventValidator({ newId: () => `ULID-${++n}` });

const valid = () => ({
  source: 'twitter',
  kind: 'POST',
  occurredAt: 1_700_000_000_000,
  author: { id: 'u1', handle: 'someone' },
  text: 'hello',
});

describe('EventValidator', () => {
  test('completes a valid event: new id, receivedAt and producer from ingest, defaults left to the schema', () => {
    const r = validator.check(valid(), undefined, stamp);
    expect(r.ok).toBe(true);
    const event = (r as { event: RawEvent }).event;
    expect(event).toMatchObject({ id: expect.stringMatching(/^ULID-/), receivedAt: stamp.receivedAt, producer: 'acme', source: 'twitter' });
    // What the wire will carry: the schema's defaults for everything left out.
    const wire = schemaType('RawEvent').fromBuffer(schemaType('RawEvent').toBuffer(event)) as RawEvent;
    expect(wire).toEqual({
      ...event,
      author: { id: 'u1', handle: 'someone', followers: null, verified: false },
      url: null,
      lang: null,
      parentId: null,
      engagement: null,
      attributes: {},
    });
    expect(eventKey(event)).toBe('twitter:u1');
  });

  test('occurredAt outside the window around the time ingest received it is refused, naming the bound and its variable', () => {
    const at = (occurredAt: unknown) => validator.check({ ...valid(), occurredAt }, undefined, stamp);
    const day = 86_400_000;
    expect(at(stamp.receivedAt - 30 * day)).toMatchObject({ ok: true });
    expect(at(stamp.receivedAt - 30 * day - 1)).toEqual({
      ok: false,
      reasons: ['occurredAt: 2023-10-15T22:13:20.499Z is 30 d before the time ingest received it 2023-11-14T22:13:20.500Z; expected at most 30 d old (INGEST_MAX_AGE_MS)'],
    });
    expect(at(stamp.receivedAt + 5 * 60_000)).toMatchObject({ ok: true });
    expect(at(new Date(stamp.receivedAt + 3_600_000).toISOString())).toEqual({
      ok: false,
      reasons: ['occurredAt: 2023-11-14T23:13:20.500Z is 1 h after the time ingest received it 2023-11-14T22:13:20.500Z; expected at most 5 min in the future (INGEST_MAX_SKEW_MS)'],
    });
    // In a batch the reason carries the event's position; no age bound when INGEST_MAX_AGE_MS is 0.
    expect(validator.check({ ...valid(), occurredAt: 1 }, 3, stamp)).toMatchObject({ ok: false, reasons: [expect.stringMatching(/^events\[3\]\.occurredAt: 1970-01-01T00:00:00.001Z is 19675.9 d before/)] });
    const anyAge = new EventValidator({ window: { maxAgeMs: 0, maxSkewMs: 0 } });
    expect(anyAge.check({ ...valid(), occurredAt: 1 }, undefined, stamp)).toMatchObject({ ok: true });
    expect(anyAge.check({ ...valid(), occurredAt: stamp.receivedAt + 1 }, undefined, stamp)).toMatchObject({ ok: false, reasons: [expect.stringMatching(/expected at most 0 s in the future \(INGEST_MAX_SKEW_MS\)$/)] });
  });

  test("keeps the producer's id as the idempotency key", () => {
    const r = validator.check({ ...valid(), id: 'my-key-1' }, undefined, stamp);
    expect(r).toMatchObject({ ok: true, event: { id: 'my-key-1' } });
  });

  test('accepts occurredAt as an ISO-8601 date-time and stores epoch milliseconds', () => {
    const r = validator.check({ ...valid(), occurredAt: '2024-05-01T12:00:00.250+02:00' }, undefined, { ...stamp, receivedAt: Date.UTC(2024, 4, 1, 10, 1) });
    expect(r).toMatchObject({ ok: true, event: { occurredAt: Date.UTC(2024, 4, 1, 10, 0, 0, 250) } });
  });

  test('names every wrong field, with the batch position, and what was expected', () => {
    const r = validator.check(
      { ...valid(), author: { id: 42 }, kind: 'TWEET', engagement: { likes: 'many' }, occurredAt: 'yesterday', attributes: { geo: 1 } },
      3,
      stamp,
    );
    expect(r.ok).toBe(false);
    const reasons = (r as { reasons: string[] }).reasons;
    expect(reasons).toEqual(
      expect.arrayContaining([
        'events[3].author.id: expected string, got 42',
        expect.stringMatching(/^events\[3\]\.kind: expected one of POST, COMMENT, .*got "TWEET"$/),
        'events[3].engagement.likes: expected an integer (long), got "many"',
        expect.stringMatching(/^events\[3\]\.occurredAt: expected epoch milliseconds .* got "yesterday"$/),
        'events[3].attributes.geo: expected string, got 1',
      ]),
    );
    // occurredAt is reported once, in ingest's words, not again as a schema type error.
    expect(reasons.filter((x) => x.includes('occurredAt'))).toHaveLength(1);
  });

  test('reports missing required fields', () => {
    const r = validator.check({ text: 'x' }, undefined, stamp);
    const reasons = (r as { reasons: string[] }).reasons;
    expect(reasons).toEqual(expect.arrayContaining(['source: expected string, got nothing', 'author: expected a Author object, got nothing']));
    expect(reasons.some((x) => x.startsWith('kind:'))).toBe(true);
    expect(reasons.some((x) => x.startsWith('occurredAt:'))).toBe(true);
  });

  test('applies the rules the schema cannot express: id length, source token, author id', () => {
    const r = validator.check({ ...valid(), id: 'x'.repeat(129), source: 'Twitter', author: { id: '' } }, undefined, stamp);
    const reasons = (r as { reasons: string[] }).reasons;
    expect(reasons).toEqual([
      expect.stringMatching(/^id: expected 1 to 128 characters, no control characters, got "x+"… \(129 characters\)$/),
      expect.stringMatching(/^source: expected a lower-case token .*got "Twitter"$/),
      'author.id: expected 1 to 256 characters, got ""',
    ]);
  });

  test('refuses fields the schema does not declare (a misspelt field would be dropped silently) and fields ingest sets', () => {
    const r = validator.check({ ...valid(), txt: 'typo', author: { id: 'a', nme: 'b' }, producer: 'spoofed', receivedAt: 1 }, undefined, stamp);
    const reasons = (r as { reasons: string[] }).reasons;
    expect(reasons).toEqual(
      expect.arrayContaining([
        'txt: is not a field of RawEvent (its fields are id, source, kind, occurredAt, author, text, url, lang, parentId, engagement, attributes)',
        expect.stringMatching(/^author\.nme: is not a field of Author/),
        expect.stringMatching(/^producer: is set by ingest to the owner of the API key; leave it out$/),
        expect.stringMatching(/^receivedAt: is set by ingest/),
      ]),
    );
  });

  test('refuses what is not an object', () => {
    expect(validator.check([1, 2], 0, stamp)).toEqual({ ok: false, reasons: ['events[0]: expected a RawEvent object, got [1,2]'] });
    expect(validator.check('hello', undefined, stamp)).toEqual({ ok: false, reasons: ['event: expected a RawEvent object, got "hello"'] });
  });
});
