import { loadSchemas } from '@sluice/contracts';
import { ConfigError, commonConfig, env, loadConfig, secondsBehind, stageConfig, validationProblems } from '@sluice/runtime';

describe('config from the environment', () => {
  const spec = { PORT: env.int(8080, 1, 65535), KAFKA_BROKERS: env.list('127.0.0.1:9092'), VERBOSE: env.bool(false), REGISTRY_URL: env.url('http://x:1') };

  test('defaults and conversions', () => {
    expect(loadConfig(spec, {})).toEqual({ PORT: 8080, KAFKA_BROKERS: ['127.0.0.1:9092'], VERBOSE: false, REGISTRY_URL: 'http://x:1' });
    expect(loadConfig(spec, { PORT: '9000', KAFKA_BROKERS: 'a:1, b:2', VERBOSE: 'yes' })).toMatchObject({ PORT: 9000, KAFKA_BROKERS: ['a:1', 'b:2'], VERBOSE: true });
  });

  test('errors name every bad variable and what was expected', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(spec, { PORT: 'eighty', VERBOSE: 'maybe', REGISTRY_URL: 'not a url' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toMatch(/PORT="eighty": expected an integer/);
    expect(error!.message).toMatch(/VERBOSE="maybe": expected true or false/);
    expect(error!.message).toMatch(/REGISTRY_URL="not a url": expected a URL/);
  });

  test("heap growth is V8's own unless SLUICE_HEAP_GROWING_PERCENT bounds it", () => {
    expect(loadConfig(commonConfig, {}).SLUICE_HEAP_GROWING_PERCENT).toBe(0);
    expect(loadConfig(stageConfig, { SLUICE_HEAP_GROWING_PERCENT: '50' }).SLUICE_HEAP_GROWING_PERCENT).toBe(50);
    expect(() => loadConfig(commonConfig, { SLUICE_HEAP_GROWING_PERCENT: '-5' })).toThrow(/SLUICE_HEAP_GROWING_PERCENT="-5"/);
  });

  test('secrets never appear in the error: secret-named variables are hidden, URL passwords cut out', () => {
    const spec = { API_TOKEN: env.int(1), REGISTRY_URL: env.int(1) };
    let message = '';
    try {
      loadConfig(spec, { API_TOKEN: 'super-secret-value', REGISTRY_URL: 'http://user:hunter2@host:x' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('API_TOKEN=(18 characters, not shown)');
    expect(message).toContain('REGISTRY_URL="http://user:***@host:x"');
    expect(message).not.toMatch(/super-secret-value|hunter2/);
  });
});

describe('lag in seconds from the high-watermark history', () => {
  const history = [
    { at: 0, offset: 0 },
    { at: 10_000, offset: 100 },
    { at: 20_000, offset: 300 },
  ];
  test('interpolates between samples', () => {
    expect(secondsBehind(history, 200, 20_000)).toBeCloseTo(5);
    expect(secondsBehind(history, 100, 25_000)).toBeCloseTo(15);
  });
  test('older than all history is at least the oldest sample age', () => {
    expect(secondsBehind([{ at: 5_000, offset: 50 }], 10, 8_000)).toBeCloseTo(3);
  });
});

describe('validation problems name the field and what was expected', () => {
  const type = loadSchemas().types.RawEvent;
  test('wrong types and missing fields', () => {
    const problems = validationProblems(type, { id: 42, source: 'x', kind: 'TWEET', occurredAt: 'yesterday', receivedAt: 1, author: {} });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('field "id": expected string, got 42'),
        expect.stringContaining('field "kind": expected one of POST'),
        expect.stringContaining('field "occurredAt"'),
        expect.stringContaining('field "author.id": expected string, got nothing'),
      ]),
    );
  });
  test('a valid event has none', () => {
    expect(validationProblems(type, { id: 'a', source: 'x', kind: 'POST', occurredAt: 1, receivedAt: 1, author: { id: 'u' } })).toEqual([]);
  });
});
