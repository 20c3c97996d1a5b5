import type { RawEvent } from '@sluice/contracts';
import { referenceTime, validateRawEvent } from '.';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const limits = { maxAgeMs: 30 * 86_400_000, maxSkewMs: 300_000, maxTextChars: 1000 };

function event(overrides: Partial<RawEvent> = {}): RawEvent {
  return {
    id: 'evt-1',
    source: 'twitter',
    kind: 'POST',
    occurredAt: NOW - 60_000,
    receivedAt: NOW - 1000,
    author: { id: 'a1', handle: 'someone', followers: 10, verified: false },
    text: 'hello',
    url: null,
    lang: null,
    parentId: null,
    engagement: null,
    attributes: {},
    producer: null,
    ...overrides,
  };
}

const problems = (overrides: Partial<RawEvent>) => validateRawEvent(event(overrides), NOW, limits);

describe('validateRawEvent', () => {
  test('a good event has no problems', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ url: 'https://example.com/a?b=1', engagement: { likes: 1, shares: 0, comments: 0, views: 10 } })).toEqual([]);
  });

  test.each<[string, Partial<RawEvent>, string]>([
    ['empty id', { id: '' }, 'field "id": 0 characters; expected 1 to 128'],
    ['long id', { id: 'x'.repeat(129) }, 'field "id": 129 characters; expected 1 to 128'],
    ['id with control characters', { id: 'a\nb' }, 'field "id": contains control characters; expected printable text'],
    ['empty source', { source: '' }, 'field "source": ""; expected a lower-case token'],
    ['upper-case source', { source: 'Twitter' }, 'field "source": "Twitter"; expected a lower-case token'],
    ['source with spaces', { source: 'my feed' }, 'field "source": "my feed"'],
    ['empty author id', { author: { id: '' } }, 'field "author.id": 0 characters; expected 1 to 256'],
    ['negative followers', { author: { id: 'a', followers: -1 } }, 'field "author.followers": -1; expected a count of 0 or more'],
    ['occurredAt in the future beyond the skew', { occurredAt: NOW + 3_600_000 }, 'field "occurredAt": 2025-06-01T13:00:00.000Z is 1 h after the record\'s time 2025-06-01T12:00:00.000Z; expected at most 5 min in the future (ENRICH_MAX_SKEW_MS)'],
    ['occurredAt too old', { occurredAt: NOW - 40 * 86_400_000 }, 'field "occurredAt": 2025-04-22T12:00:00.000Z is 40 d before the record\'s time 2025-06-01T12:00:00.000Z; expected at most 30 d old (ENRICH_MAX_AGE_MS)'],
    ['occurredAt zero', { occurredAt: 0 }, 'field "occurredAt": 0; expected a positive timestamp in epoch milliseconds'],
    ['receivedAt in the future', { receivedAt: NOW + 600_000 }, 'field "receivedAt": 2025-06-01T12:10:00.000Z is 10 min after'],
    ['text too long', { text: 'x'.repeat(1001) }, 'field "text": 1001 characters; expected at most 1000'],
    ['url not a URL', { url: 'not a url' }, 'field "url": "not a url"; expected an absolute http or https URL'],
    ['url with another scheme', { url: 'ftp://example.com/x' }, 'field "url": "ftp://example.com/x"'],
    ['negative engagement', { engagement: { likes: -5 } }, 'field "engagement.likes": -5; expected a count of 0 or more'],
  ])('%s', (_name, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  test('within the skew and at the age limit is fine', () => {
    expect(problems({ occurredAt: NOW + 299_000 })).toEqual([]);
    expect(problems({ occurredAt: NOW - 30 * 86_400_000 })).toEqual([]);
  });

  test('an id of 128 characters counts emoji as one character each', () => {
    expect(problems({ id: '🔥'.repeat(128) })).toEqual([]);
    expect(problems({ id: '🔥'.repeat(129) })[0]).toContain('129 characters');
  });

  test('every problem is reported, not just the first', () => {
    expect(problems({ id: '', source: 'X', url: 'nope' })).toHaveLength(3);
  });
});

describe('referenceTime', () => {
  test('is the Kafka timestamp, so a replay days later validates the same', () => {
    expect(referenceTime(NOW - 5 * 86_400_000, NOW)).toBe(NOW - 5 * 86_400_000);
  });

  test('is never later than now, and now when the record has no timestamp', () => {
    expect(referenceTime(NOW + 86_400_000, NOW)).toBe(NOW);
    expect(referenceTime(0, NOW)).toBe(NOW);
    expect(referenceTime(-1, NOW)).toBe(NOW);
  });
});
