/** Fast tests of the CLI's pure parts: replay plans, shadow diffs, dead-letter selection, argument handling. */
import { planMoves } from './replay/plan';
import { compareOutputs, diffValues, alertInRange } from './replay/compare';
import { bytesPreview, groupDeadLetters, parseRef, reasonPattern, resolveRef } from './dlq/select';
import { CliError, parseInteger, parseStage, parseTime, stageInputs, createContext } from './context';
import { table } from './format';
import { run, type Io } from './program';
import type { Alert } from '@sluice/contracts';

const pos = (partition: number, committed: number | null, low: number, high: number, atTime?: number) => ({ topic: 't', partition, committed, low, high, atTime });

describe('replay plan', () => {
  test('a time target moves each partition to the first record at that time and counts what is read again', () => {
    const moves = planMoves({ kind: 'time', at: 0 }, [pos(1, 100, 0, 120, 40), pos(0, 50, 0, 50, 50)]);
    expect(moves).toEqual([
      { topic: 't', partition: 0, current: 50, target: 50, reRead: 0, skipped: 0 },
      { topic: 't', partition: 1, current: 100, target: 40, reRead: 60, skipped: 0 },
    ]);
  });

  test('a shift is relative to the committed offset and clamped to the log, saying so', () => {
    const [m] = planMoves({ kind: 'shift', by: -500 }, [pos(0, 300, 100, 400)]);
    expect(m).toMatchObject({ current: 300, target: 100, reRead: 200 });
    expect(m.note).toContain('-200 is outside the log [100, 400]; clamped to 100');
    const [f] = planMoves({ kind: 'shift', by: 50 }, [pos(0, 300, 100, 400)]);
    expect(f).toMatchObject({ target: 350, reRead: 0, skipped: 50 });
  });

  test('an absolute offset applies to every partition; a group that never committed starts at the log start', () => {
    const moves = planMoves({ kind: 'offset', offset: 10 }, [pos(0, null, 5, 30), pos(1, 2, 0, 8)]);
    expect(moves[0]).toMatchObject({ current: 5, target: 10, skipped: 5 });
    expect(moves[0].note).toContain('no committed offset');
    expect(moves[1]).toMatchObject({ current: 2, target: 8, skipped: 6 });
  });
});

describe('shadow comparison', () => {
  const enriched = (id: string, language: string, keywords: string[], version = '1', enrichedAt = 1) => ({
    event: { id, text: 'x' },
    enrichment: { language, keywords, version, enrichedAt, missing: [{ enricher: 'links', reason: 'timeout' }] },
  });

  test('derived fields that changed are listed by path; processing times are ignored; versions are reported apart', () => {
    const { changes, versions } = diffValues(enriched('a', 'en', ['x']), enriched('a', 'ar', ['x', 'y'], '2', 99));
    expect(changes.map((c) => c.path)).toEqual(['enrichment.keywords', 'enrichment.language']);
    expect(changes[1]).toEqual({ path: 'enrichment.language', before: 'en', after: 'ar' });
    expect(versions).toEqual([{ path: 'enrichment.version', before: '1', after: '2' }]);
  });

  test('scores are compared by model name, with a tolerance for float noise', () => {
    const a = { scores: [{ model: 'spam', version: '1', score: 0.1 }, { model: 'sentiment', version: '1', score: 0.5 }] };
    const b = { scores: [{ model: 'sentiment', version: '1', score: 0.5 + 1e-12 }, { model: 'spam', version: '2', score: 0.9 }] };
    const { changes, versions } = diffValues(a, b);
    expect(changes).toEqual([{ path: 'scores.spam.score', before: 0.1, after: 0.9 }]);
    expect(versions.map((v) => v.path)).toEqual(['scores.spam.version']);
  });

  test('records join by id: changed, unchanged, and present on one side only', () => {
    const original = new Map<string, unknown>([
      ['a', enriched('a', 'en', [])],
      ['b', enriched('b', 'en', [])],
      ['gone', enriched('gone', 'en', [])],
    ]);
    const shadow = new Map<string, unknown>([
      ['a', enriched('a', 'en', [], '2', 5)],
      ['b', enriched('b', 'ar', [], '2', 5)],
      ['new', enriched('new', 'en', [], '2', 5)],
    ]);
    const c = compareOutputs('enriched', original, shadow);
    expect(c).toMatchObject({ original: 3, shadow: 3, unchanged: 1, onlyInShadow: ['new'], onlyInOriginal: ['gone'], fieldCounts: { 'enrichment.language': 1 } });
    expect(c.changed).toEqual([{ id: 'b', fields: [{ path: 'enrichment.language', before: 'en', after: 'ar' }] }]);
    expect(c.versionChanges['enrichment.version']).toEqual({ before: ['"1"'], after: ['"2"'] });
  });

  test('an original alert belongs to the range by its evidence, else by the time it fired', () => {
    const alert = (eventIds: string[], firedAt: number) => ({ evidence: { eventIds, windowStart: 0, windowEnd: 1 }, firedAt }) as unknown as Alert;
    expect(alertInRange(alert(['x', 'y'], 0), new Set(['y']), 100, 200)).toBe(true);
    expect(alertInRange(alert(['x'], 150), new Set(['y']), 100, 200)).toBe(false);
    expect(alertInRange(alert([], 150), new Set(), 100, 200)).toBe(true);
    expect(alertInRange(alert([], 250), new Set(), 100, 200)).toBe(false);
  });
});

describe('dead-letter selection', () => {
  const entry = (dlqPartition: number, dlqOffset: number, sourceOffset: number, reason = 'field "id": expected string, got 12') => ({
    dlqPartition,
    dlqOffset,
    sourceTopic: 'p.sluice.events.raw.v1',
    sourcePartition: 2,
    sourceOffset,
    stage: 'enrich',
    errorType: 'validation',
    reason,
    deadLetteredAt: 1000 + dlqOffset,
  });

  test('references name a source position, a dead-letter position, or a bare dead-letter offset', () => {
    expect(parseRef('p.sluice.events.raw.v1:2:17')).toEqual({ kind: 'source', topic: 'p.sluice.events.raw.v1', partition: 2, offset: 17 });
    expect(parseRef('1:5')).toEqual({ kind: 'dlq', partition: 1, offset: 5 });
    expect(parseRef('5')).toEqual({ kind: 'dlq', offset: 5 });
    expect(() => parseRef('raw:x:1')).toThrow(/expected <source topic>:<partition>:<offset>/);
  });

  test('a bare offset present in two partitions is refused with the partitions named', () => {
    const entries = [entry(0, 5, 1), entry(1, 5, 2), entry(1, 6, 3)];
    expect(() => resolveRef('5', entries)).toThrow(/exists in partitions 0, 1; say which as <partition>:<offset>/);
    expect(resolveRef('1:5', entries)).toEqual([entries[1]]);
    expect(resolveRef('6', entries)).toEqual([entries[2]]);
    expect(resolveRef('p.sluice.events.raw.v1:2:3', entries)).toEqual([entries[2]]);
    expect(() => resolveRef('0:9', entries)).toThrow('no dead letter at 0:9');
  });

  test('alike reasons group together with counts and positions', () => {
    expect(reasonPattern('field "occurredAt": expected a timestamp, got 123; field "id": expected string, got null')).toBe(
      'field "occurredAt": expected a timestamp, got …; field "id": expected string, got …',
    );
    const groups = groupDeadLetters([entry(0, 1, 10), entry(0, 2, 11, 'field "id": expected string, got 99'), entry(1, 1, 12, 'handler failed after 5 attempts: boom')]);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({ count: 2, stage: 'enrich', sources: ['p.sluice.events.raw.v1:2:10', 'p.sluice.events.raw.v1:2:11'], positions: ['0:1', '0:2'] });
    expect(groups[1]).toMatchObject({ count: 1, reason: 'handler failed after # attempts: boom' });
  });

  test('byte previews escape control characters and cut long values', () => {
    const p = bytesPreview(Buffer.from('ab\ncd'), 4);
    expect(p).toEqual({ length: 5, hex: '61 62 0a 63 …', utf8: 'ab\\x0ac…' });
  });
});

describe('arguments', () => {
  test('times, integers and stages are checked with messages naming the option', () => {
    expect(parseTime('2024-05-01T12:00:00Z', '--from')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(() => parseTime('yesterday', '--from')).toThrow('--from "yesterday" is not an ISO 8601 time; expected e.g. 2024-05-01T12:00:00Z');
    expect(parseInteger('-500', '--shift-by')).toBe(-500);
    expect(() => parseInteger('1e3', '--shift-by')).toThrow(CliError);
    expect(parseStage('score')).toBe('score');
    expect(parseStage('tenant.sluice.enrich')).toBe('enrich');
    expect(() => parseStage('ingest')).toThrow('--group "ingest" is not a consuming stage; expected one of enrich, score, persist, notify');
  });

  test('--topic must be an input of the stage', () => {
    const ctx = createContext({ prefix: 'acme' });
    expect(stageInputs(ctx, 'persist')).toEqual(['scored', 'alerts']);
    expect(stageInputs(ctx, 'persist', 'acme.sluice.alerts.v1')).toEqual(['alerts']);
    expect(() => stageInputs(ctx, 'enrich', 'scored')).toThrow('--topic "scored" is not an input of enrich; expected one of raw (acme.sluice.events.raw.v1)');
  });

  test('tables align columns and right-align numbers', () => {
    expect(table(['name', 'lag'], [['a', 5], ['bbb', 120]])).toBe('NAME  LAG\na       5\nbbb   120');
  });
});

describe('command line', () => {
  const capture = () => {
    let out = '';
    let err = '';
    const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s) };
    return { io, out: () => out, err: () => err };
  };

  test.each([[[]], [['topics']], [['lag']], [['replay']], [['dlq']], [['dlq', 'list']], [['dlq', 'show']], [['dlq', 'redrive']]])('%j --help prints usage and exits 0', async (args) => {
    const c = capture();
    expect(await run([...args, '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: sluice');
    expect(c.out()).toContain('--help');
  });

  test('global options are listed with their environment variables', async () => {
    const c = capture();
    await run(['--help'], c.io);
    expect(c.out()).toMatch(/--brokers <list>[\s\S]*?KAFKA_BROKERS/);
    expect(c.out()).toMatch(/--registry <url>[\s\S]*?REGISTRY_URL/);
    expect(c.out()).toMatch(/--prefix <prefix>[\s\S]*?SLUICE_TOPIC_PREFIX/);
    // … and in every command's help too.
    const d = capture();
    await run(['dlq', 'show', '--help'], d.io);
    expect(d.out()).toContain('Global Options:');
    expect(d.out()).toContain('--brokers <list>');
  });

  test('replay refuses an ambiguous or missing target before touching Kafka', async () => {
    const c = capture();
    expect(await run(['replay', '--group', 'enrich', '--from', '2024-05-01T00:00:00Z', '--shift-by=-5'], c.io)).toBe(1);
    expect(c.err()).toContain('exactly one of --from <time>, --to-offset <n>, --shift-by <n>');
    const d = capture();
    expect(await run(['replay', '--group', 'enrich', '--shadow', '--to-offset', '5'], d.io)).toBe(1);
    expect(d.err()).toContain('--shadow needs --from');
    const e = capture();
    expect(await run(['replay', '--group', 'enrich', '--to-offset', '5', '--to', '2024-05-01T00:00:00Z'], e.io)).toBe(1);
    expect(e.err()).toContain('--to goes with --shadow only');
  });

  test('an unknown command or a missing required option is a usage error (status 2)', async () => {
    const c = capture();
    expect(await run(['rewind'], c.io)).toBe(2);
    expect(c.err()).toContain("unknown command 'rewind'");
    const d = capture();
    expect(await run(['replay', '--from', '2024-05-01T00:00:00Z'], d.io)).toBe(2);
    expect(d.err()).toContain("required option '--group <stage>' not specified");
  });

  test('redrive without a selector refuses to redrive everything by accident', async () => {
    const c = capture();
    expect(await run(['dlq', 'redrive'], c.io)).toBe(1);
    expect(c.err()).toContain('--stage, --reason-contains, --ids, or --all');
  });
});
