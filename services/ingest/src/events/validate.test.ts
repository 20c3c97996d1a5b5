import { schemaType, type RawEvent } from '@sluice/contracts';
import { EventValidator, eventKey } from './validate';

const stamp = { producer: 'acme', receivedAt: 1_700_000_000_500 };
let n = 0;
const validator = new EventValidator(() => `ULID-${++n}`);

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

  test("keeps the producer's id as the idempotency key", () => {
    const r = validator.check({ ...valid(), id: 'my-key-1' }, undefined, stamp);
    expect(r).toMatchObject({ ok: true, event: { id: 'my-key-1' } });
  });

  test('accepts occurredAt as an ISO-8601 date-time and stores epoch milliseconds', () => {
    const r = validator.check({ ...valid(), occurredAt: '2024-05-01T12:00:00.250+02:00' }, undefined, stamp);
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
