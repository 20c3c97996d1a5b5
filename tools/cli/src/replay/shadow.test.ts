import * as path from 'node:path';
import { naming, type RawEvent } from '@sluice/contracts';
import type { RunningStage } from '@sluice/runtime';
import { produce, provision, rawEvent, readTopic, uniquePrefix } from '../../../../test/support/kafka';
import { runStage, scoreStage } from '../../test/stages';
import { run } from '../program';
import { createContext, withAdmin } from '../context';
import { shadowReplay } from './shadow';
import { SHADOW_STAGES } from './stages';

const MINUTE = 60_000;

describe('shadow replay against the real broker', () => {
  test('reports the records whose derived fields a changed handler changes, the alerts that would appear or disappear, and new dead letters — for the chosen range only', async () => {
    const prefix = uniquePrefix('cli-shadow');
    const { names, serde } = await provision(prefix);
    const now = Date.now();
    const enriched = (id: string, text: string, age: number) => {
      const event = rawEvent({ id, text, author: { id: 'a' }, occurredAt: now - age, receivedAt: now - age });
      return { topic: names.topic('enriched'), key: 'twitter:a', value: serde.encode('enriched', { event, enrichment: {} }), timestamp: now - age };
    };
    // Outside the range (30 minutes ago): would change under v2, but must not be reported.
    await produce([enriched('old-cheap', 'cheap old thing', 30 * MINUTE), enriched('old-flood', 'old flood', 30 * MINUTE)]);
    await produce([
      enriched('buy', 'buy now', 10 * MINUTE),
      enriched('cheap', 'cheap stuff', 10 * MINUTE),
      enriched('hello', 'hello there', 10 * MINUTE),
      enriched('fire', 'fire downtown', 10 * MINUTE),
      enriched('flood', 'flood warning', 10 * MINUTE),
      enriched('reject', 'please reject', 10 * MINUTE),
    ]);

    // The live v1 stage processed everything.
    const live: RunningStage = await runStage(prefix, scoreStage('v1'));
    try {
      await readTopic(names.topic('scored'), 8, 60_000);
      await readTopic(names.topic('alerts'), 1, 30_000);
    } finally {
      await live.stop();
    }

    const report = await shadowReplay(createContext({ prefix }), {
      stage: 'score',
      from: now - 15 * MINUTE,
      define: async () => scoreStage('v2'),
      runId: 'test1',
      timeoutMs: 60_000,
    });
    expect(report).toMatchObject({ runId: 'test1', stage: 'score', shadowPrefix: `${names.prefix}shadow.test1.`, inputRecords: 6 });
    const scored = report.outputs.find((o) => o.topic === 'scored')!;
    expect(scored).toMatchObject({ joinedBy: 'event id', original: 6, shadow: 5, unchanged: 4, onlyInShadow: [], onlyInOriginal: ['reject'], fieldCounts: { 'scores.spam.score': 1 } });
    expect(scored.changed).toEqual([{ id: 'cheap', fields: [{ path: 'scores.spam.score', before: 0.1, after: 0.9 }] }]);
    expect(scored.versionChanges).toMatchObject({ processingVersion: { before: ['"v1"'], after: ['"v2"'] }, 'scores.spam.version': { before: ['"v1"'], after: ['"v2"'] } });

    const alerts = report.outputs.find((o) => o.topic === 'alerts')!;
    expect(alerts).toMatchObject({ joinedBy: 'dedup key', onlyInShadow: ['keyword:flood:flood'], onlyInOriginal: ['keyword:fire:fire'], changed: [] });
    expect(report.deadLetters).toMatchObject({ original: 0, shadow: 1, disappear: [] });
    expect(report.deadLetters.appear).toEqual([{ source: `${names.topic('enriched')}:${report.inputs.find((r) => r.to > r.from)!.partition}:7`, reason: 'field "event.text": says reject' }]);

    // Live topics untouched: the shadow wrote only under its own prefix.
    expect(await readTopic(names.topic('scored'), 9, 1000)).toHaveLength(8);
    const shadowScored = await readTopic(naming(report.shadowPrefix).topic('scored'), 6, 1000);
    expect(shadowScored).toHaveLength(5);

    // The same through the command line, with the candidate logic given as a module.
    let out = '';
    const module = path.resolve(__dirname, '../../test/score-v2-stage.ts');
    const code = await run(['--prefix', prefix, 'replay', '--group', 'score', '--shadow', '--from', new Date(now - 15 * MINUTE).toISOString(), '--stage-module', module, '--cleanup'], {
      out: (s) => void (out += s),
      err: (s) => void (out += s),
    });
    expect(code).toBe(0);
    expect(out).toContain('6 input record(s)');
    expect(out).toContain('scored (joined by event id): original 6, shadow 5, unchanged 4, changed 1');
    expect(out).toMatch(/scores\.spam\.score\s+1/);
    expect(out).toContain('cheap: scores.spam.score 0.1 -> 0.9');
    expect(out).toContain('would appear (1): keyword:flood:flood');
    expect(out).toContain('would disappear (1): keyword:fire:fire');
    expect(out).toContain('version processingVersion: "v1" -> "v2"');
    expect(out).toMatch(/would be dead-lettered: .*:7: field "event.text": says reject/);
  }, 180_000);

  test('the stage table runs the installed enrich stage: the same logic over the same range changes nothing', async () => {
    const prefix = uniquePrefix('cli-shadow-enrich');
    const { names, serde } = await provision(prefix);
    const define = SHADOW_STAGES.enrich!.stage;
    const now = Date.now();
    const events: RawEvent[] = ['Breaking: #Floods in the north https://example.com/a?utm_source=x', 'مرحبا بالعالم #السلام', 'hello @someone $ACME', 'hello @someone $ACME'].map((text, i) =>
      rawEvent({ id: `e-${i}`, text, author: { id: 'same' }, occurredAt: now - 5 * MINUTE, receivedAt: now - 5 * MINUTE }),
    );
    await produce(events.map((e) => ({ topic: names.topic('raw'), key: 'twitter:same', value: serde.encode('raw', e), timestamp: now - 5 * MINUTE })));
    const live = await runStage(prefix, await define());
    try {
      await readTopic(names.topic('enriched'), events.length, 60_000);
    } finally {
      await live.stop();
    }
    const report = await shadowReplay(createContext({ prefix }), { stage: 'enrich', from: now - 10 * MINUTE, timeoutMs: 60_000, cleanup: true });
    const out = report.outputs.find((o) => o.topic === 'enriched')!;
    expect(out).toMatchObject({ original: 4, shadow: 4, unchanged: 4, changed: [], onlyInShadow: [], onlyInOriginal: [], versionChanges: {} });
    expect(report.cleanedUp).toBe(true);
    const left = await withAdmin(createContext({ prefix }), (admin) => admin.listTopics());
    expect(left.filter((t) => t.startsWith(report.shadowPrefix))).toEqual([]);
  }, 120_000);

  test('the stage table runs the installed score stage on real enrich output: the same logic changes no derived field and no alert', async () => {
    const prefix = uniquePrefix('cli-shadow-score');
    const { names, serde } = await provision(prefix);
    const now = Date.now();
    const texts = ['Breaking: #Floods hit the north, roads closed', 'BUY CHEAP FOLLOWERS NOW!!! http://spam.example/x', 'great match tonight #football', 'فيضانات في الشمال #فيضانات'];
    const events = Array.from({ length: 12 }, (_, i) => rawEvent({ id: `s-${i}`, text: texts[i % texts.length], author: { id: `a${i % 3}` }, occurredAt: now - 5 * MINUTE + i, receivedAt: now - 5 * MINUTE + i }));
    await produce(events.map((e) => ({ topic: names.topic('raw'), key: `twitter:${e.author.id}`, value: serde.encode('raw', e), timestamp: now - 5 * MINUTE })));
    const enrich = await runStage(prefix, await SHADOW_STAGES.enrich!.stage());
    const score = await runStage(prefix, await SHADOW_STAGES.score!.stage());
    try {
      await readTopic(names.topic('scored'), events.length, 60_000);
    } finally {
      await score.stop();
      await enrich.stop();
    }
    const report = await shadowReplay(createContext({ prefix }), { stage: 'score', from: now - 10 * MINUTE, timeoutMs: 60_000, cleanup: true });
    expect(report.inputRecords).toBe(events.length);
    const scored = report.outputs.find((o) => o.topic === 'scored')!;
    expect(scored).toMatchObject({ original: events.length, shadow: events.length, changed: [], onlyInShadow: [], onlyInOriginal: [] });
    const alerts = report.outputs.find((o) => o.topic === 'alerts')!;
    expect(alerts).toMatchObject({ changed: [], onlyInShadow: [], onlyInOriginal: [] });
    expect(alerts.shadow).toBe(alerts.original);
    expect(report.deadLetters).toMatchObject({ appear: [], disappear: [] });
  }, 120_000);
});
