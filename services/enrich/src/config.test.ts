import { ConfigError, loadConfig } from '@sluice/runtime';
import { enrichConfigFromEnv, enrichConfigSpec } from './config';

describe('enrich configuration', () => {
  test('defaults: ops port 9101, no link metrics, 5 min skew, 30 d age', () => {
    const c = enrichConfigFromEnv(loadConfig(enrichConfigSpec, {}));
    expect(loadConfig(enrichConfigSpec, {}).PORT).toBe(9101);
    expect(c.linkMetricsUrl).toBeUndefined();
    expect(c.limits).toEqual({ maxAgeMs: 30 * 86_400_000, maxSkewMs: 300_000, maxTextChars: 50_000 });
  });

  test('variables map onto the handler config', () => {
    const c = enrichConfigFromEnv(
      loadConfig(enrichConfigSpec, { ENRICH_MAX_SKEW_MS: '1000', ENRICH_LINK_METRICS_URL: 'http://127.0.0.1:7000/metrics', ENRICH_LOOKUP_TIMEOUT_MS: '250', ENRICH_DUP_WINDOW_MS: '60000' }),
    );
    expect(c).toMatchObject({ limits: { maxSkewMs: 1000 }, linkMetricsUrl: 'http://127.0.0.1:7000/metrics', resilience: { timeoutMs: 250 }, duplicateWindowMs: 60000 });
  });

  test('bad values are refused, naming the variable and what was expected', () => {
    const load = (env: Record<string, string>) => () => loadConfig(enrichConfigSpec, env);
    expect(load({ ENRICH_MAX_SKEW_MS: 'soon' })).toThrow(ConfigError);
    expect(load({ ENRICH_MAX_SKEW_MS: 'soon' })).toThrow('ENRICH_MAX_SKEW_MS="soon": expected an integer');
    expect(load({ ENRICH_LINK_METRICS_URL: 'ftp://x/y' })).toThrow('ENRICH_LINK_METRICS_URL="ftp://x/y": expected an absolute http(s) URL');
    expect(load({ ENRICH_LINK_METRICS_URL: 'nope' })).toThrow('ENRICH_LINK_METRICS_URL="nope": expected an absolute http(s) URL');
  });
});
