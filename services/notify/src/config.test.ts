import { loadConfig } from '@sluice/runtime';
import { notifyConfig, parseMetricsTargets, parseTokens, parseWebhooks } from './config';

describe('notify configuration', () => {
  test('tokens are name:token pairs; short tokens and bad names are refused', () => {
    expect(parseTokens('alice:0123456789abcdef, bob:fedcba9876543210')).toEqual([
      { name: 'alice', token: '0123456789abcdef' },
      { name: 'bob', token: 'fedcba9876543210' },
    ]);
    expect(parseTokens('0123456789abcdef')[0].name).toBe('token-1');
    expect(() => parseTokens('alice:short')).toThrow('NOTIFY_TOKENS entry 1 (alice): token must be at least 16 characters');
    expect(() => parseTokens(' , ')).toThrow(/at least one token/);
  });

  test('webhooks are validated per entry and field', () => {
    const ok = parseWebhooks('[{"id":"pager","url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef","filter":{"minSeverity":"HIGH"}}]');
    expect(ok).toEqual([{ id: 'pager', url: 'http://127.0.0.1:9/hook', secret: '0123456789abcdef', filter: { minSeverity: 'HIGH' } }]);
    expect(() => parseWebhooks('{}')).toThrow(/NOTIFY_WEBHOOKS: expected a JSON array/);
    expect(() => parseWebhooks('[{"id":"a","url":"ftp://x","secret":"0123456789abcdef"}]')).toThrow('NOTIFY_WEBHOOKS[0].url: expected an http(s) URL');
    expect(() => parseWebhooks('[{"id":"a","url":"http://x","secret":"short"}]')).toThrow(/NOTIFY_WEBHOOKS\[0\]\.secret: expected a shared secret of at least 16 characters/);
    expect(() => parseWebhooks('[{"id":"a","url":"http://x","secret":"0123456789abcdef","filter":{"minSeverity":"LOUD"}}]')).toThrow(
      /NOTIFY_WEBHOOKS\[0\]\.filter\.minSeverity: expected one of INFO/,
    );
    expect(() => parseWebhooks('[{"id":"a","url":"http://x","secret":"0123456789abcdef"},{"id":"a","url":"http://y","secret":"0123456789abcdef"}]')).toThrow(
      /NOTIFY_WEBHOOKS\[1\]\.id: "a" is declared twice/,
    );
    expect(() => parseWebhooks('not json')).toThrow(/NOTIFY_WEBHOOKS: not valid JSON/);
  });

  test('metrics targets are name=url pairs', () => {
    expect(parseMetricsTargets('enrich=http://127.0.0.1:8084/metrics,http://h:9/metrics')).toEqual([
      { name: 'enrich', url: 'http://127.0.0.1:8084/metrics' },
      { name: 'h:9', url: 'http://h:9/metrics' },
    ]);
    expect(() => parseMetricsTargets('score=nope')).toThrow(/NOTIFY_METRICS_TARGETS entry 1: "nope" is not a URL/);
  });

  test('the service config names the variable that is wrong, and defaults the port to 8083', () => {
    expect(() => loadConfig(notifyConfig, {})).toThrow(/NOTIFY_TOKENS/);
    expect(() => loadConfig(notifyConfig, { NOTIFY_TOKENS: 'a:short' })).toThrow(/NOTIFY_TOKENS=.*: NOTIFY_TOKENS entry 1 \(a\): token must be at least 16/);
    const c = loadConfig(notifyConfig, { NOTIFY_TOKENS: 'alice:0123456789abcdef' });
    expect(c.PORT).toBe(8083);
    expect(c.NOTIFY_METRICS_TARGETS).toEqual([]);
    expect(c.NOTIFY_DEDUP_WINDOW_MS).toBe(600_000);
  });
});
