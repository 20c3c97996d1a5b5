import type { Alert } from '@sluice/contracts';
import { FilterError, matchesFilter, parseFilter } from '.';

const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 'a1',
  dedupKey: 'spike:keyword:outage',
  rule: 'keyword-spike',
  severity: 'HIGH',
  title: 'Mentions of "Outage" are spiking',
  source: 'twitter',
  entity: { type: 'keyword', value: 'outage' },
  evidence: { eventIds: [], windowStart: 0, windowEnd: 1, figures: {} },
  firedAt: 1,
  ...over,
});

describe('alert filters', () => {
  test('an empty filter admits everything', () => {
    expect(matchesFilter(parseFilter(undefined), alert())).toBe(true);
    expect(matchesFilter(parseFilter({}), alert({ severity: 'INFO', source: null }))).toBe(true);
  });

  test('minSeverity admits that level and above', () => {
    const f = parseFilter({ minSeverity: 'high' });
    expect(f.minSeverity).toBe('HIGH');
    expect(matchesFilter(f, alert({ severity: 'MEDIUM' }))).toBe(false);
    expect(matchesFilter(f, alert({ severity: 'HIGH' }))).toBe(true);
    expect(matchesFilter(f, alert({ severity: 'CRITICAL' }))).toBe(true);
  });

  test('rule and source lists match any entry; an alert without a source never matches a source filter', () => {
    const f = parseFilter({ rules: ['keyword-spike', 'author-burst'], sources: ['Twitter', 'reddit'] });
    expect(matchesFilter(f, alert())).toBe(true);
    expect(matchesFilter(f, alert({ rule: 'other' }))).toBe(false);
    expect(matchesFilter(f, alert({ source: 'mastodon' }))).toBe(false);
    expect(matchesFilter(f, alert({ source: null }))).toBe(false);
  });

  test('keywords match the entity value or the title, case-insensitively', () => {
    expect(matchesFilter(parseFilter({ keywords: 'OUTAGE' }), alert())).toBe(true);
    expect(matchesFilter(parseFilter({ keywords: ['spiking'] }), alert())).toBe(true);
    expect(matchesFilter(parseFilter({ keywords: ['breach'] }), alert())).toBe(false);
  });

  test('all criteria must hold together', () => {
    const f = parseFilter({ minSeverity: 'CRITICAL', keywords: ['outage'] });
    expect(matchesFilter(f, alert({ severity: 'HIGH' }))).toBe(false);
    expect(matchesFilter(f, alert({ severity: 'CRITICAL' }))).toBe(true);
  });

  test('bad filters are refused naming the field and what was expected', () => {
    expect(() => parseFilter({ minSeverity: 'URGENT' })).toThrow(new FilterError('filter.minSeverity: expected one of INFO, LOW, MEDIUM, HIGH, CRITICAL, got "URGENT"'));
    expect(() => parseFilter({ rule: ['x'] })).toThrow(/filter\.rule: unknown filter field; expected one of rules, minSeverity, sources, keywords/);
    expect(() => parseFilter({ sources: [1] })).toThrow(/filter\.sources\[0\]: expected a non-empty string, got 1/);
    expect(() => parseFilter({ keywords: 7 })).toThrow(/filter\.keywords: expected a string or an array of strings, got 7/);
    expect(() => parseFilter('HIGH', 'webhooks[0].filter')).toThrow(/^webhooks\[0\]\.filter: expected an object/);
  });
});
