import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Alert, EnrichedEvent, ScoredEvent } from '@sluice/contracts';
import type { Produce } from '@sluice/runtime';
import { ModelRegistry } from '../models/registry';
import { DEFAULT_STREAM_PARAMS } from '../models/stream/entity';
import { StreamStore } from '../models/stream/store';
import { parseRuleFile, type RuleSet } from '../rules/schema';
import { enrichedEvent, inRecord, type EventSpec } from '../testkit';
import { DEFAULT_MODEL_DIR } from './definition';
import { Scorer } from './scorer';

const MIN = 60_000;
const T0 = Date.UTC(2024, 3, 1, 12);

const RULES = `rules:
  - id: watched-spike
    type: anomaly
    severity: HIGH
    entityTypes: [keyword]
    watch: [flood]
    minScore: 4
    minCount: 5
  - id: negative-influencers
    type: burst
    severity: MEDIUM
    match: { sentiment: negative, minFollowers: 10000 }
    groupBy: source
    minCount: 3
    distinctAuthors: true
    window: 10m
  - id: spam
    type: threshold
    severity: LOW
    model: spam
    min: 0.95
    entity: author
    window: 1h
`;

class StaticRules {
  private pending: RuleSet | null = null;
  constructor(private rules: RuleSet) {}
  set(next: RuleSet) {
    this.pending = next;
  }
  take() {
    if (!this.pending) return { rules: this.rules, changed: false };
    this.rules = this.pending;
    this.pending = null;
    return { rules: this.rules, changed: true };
  }
}

async function scorer(modelDir = DEFAULT_MODEL_DIR, rules = RULES, now?: () => number) {
  const models = await ModelRegistry.open(modelDir);
  const store = new StreamStore({ params: DEFAULT_STREAM_PARAMS, seasonalTypes: new Set(['source']), maxEntities: 10_000 });
  return new Scorer({ models, rules: new StaticRules(parseRuleFile(rules, 'test.yaml')), onnx: [], store, checkpointIntervalMs: 60_000, maxKeywords: 20, now });
}

const scoredOf = (out: Produce[]) => out.filter((p) => p.topic === 'scored').map((p) => p.value as ScoredEvent);
const alertsOf = (out: Produce[]) => out.filter((p) => p.topic === 'alerts').map((p) => p.value as Alert);

/** A stream with a steady background and a spike of "flood" posts at minute 40. */
function floodStream(): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  for (let m = 0; m < 45; m++) {
    out.push(enrichedEvent({ id: `bg-${m}`, text: 'the flood defences were inspected today', occurredAt: T0 + m * MIN, authorId: `a${m % 5}` }));
    if (m === 40) for (let i = 0; i < 12; i++) out.push(enrichedEvent({ id: `flood-${i}`, text: 'flood in the old town, streets under water', occurredAt: T0 + m * MIN + i * 1000, authorId: `w${i}` }));
  }
  return out;
}

async function runAll(s: Scorer, events: EnrichedEvent[], batchSize = 7, partition = 0, firstOffset = 0) {
  const produced: Produce[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize).map((e, j) => inRecord(e, partition, firstOffset + i + j));
    const out = await s.handle(batch);
    expect(out.reject).toEqual([]);
    produced.push(...out.produce);
  }
  return produced;
}

describe('score handler', () => {
  test('every record is scored by every model, with versions, keyed by source and author', async () => {
    const s = await scorer();
    const e = enrichedEvent({ text: 'I love this, amazing service', source: 'twitter', authorId: 'u1' });
    const out = await s.handle([inRecord(e, 0, 0)]);
    const scored = out.produce.filter((p) => p.topic === 'scored');
    expect(scored).toHaveLength(1);
    expect(scored[0].key).toBe('twitter:u1');
    const v = scored[0].value as ScoredEvent;
    expect(v.enriched).toBe(e);
    expect(v.scores!.map((x) => `${x.model}@${x.version}`)).toEqual(['sentiment@1.0.0', 'spam@1.0.0', 'anomaly@1.0.0', 'trend@1.0.0']);
    expect(v.scores![0].label).toBe('positive');
    expect(v.processingVersion).toBe('score-1.0.0+sentiment@1.0.0,spam@1.0.0,anomaly@1.0.0,trend@1.0.0');
  });

  test('a spike of a watched keyword raises one alert with its evidence, rule, window and event time', async () => {
    const s = await scorer();
    const out = await runAll(s, floodStream());
    const alerts = alertsOf(out).filter((a) => a.rule === 'watched-spike');
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(a).toMatchObject({ severity: 'HIGH', entity: { type: 'keyword', value: 'flood' }, source: 'twitter', models: ['anomaly@1.0.0'] });
    expect(a.evidence.windowStart).toBe(T0 + 40 * MIN);
    expect(a.evidence.windowEnd).toBe(T0 + 41 * MIN);
    expect(a.evidence.figures!.score).toBeGreaterThanOrEqual(4);
    expect(a.evidence.figures!.count).toBeGreaterThanOrEqual(5);
    expect(a.evidence.eventIds!.length).toBeGreaterThanOrEqual(5);
    expect(a.evidence.eventIds!.every((id) => id === 'bg-40' || id.startsWith('flood-'))).toBe(true);
    expect(a.firedAt).toBeGreaterThanOrEqual(T0 + 40 * MIN);
    expect(a.firedAt).toBeLessThan(T0 + 41 * MIN);
    expect(a.ruleVersion).toMatch(/^[0-9a-f]{12}$/);
    const last = scoredOf(out).find((x) => x.enriched.event.id === 'flood-11')!;
    const anomaly = last.scores!.find((x) => x.model === 'anomaly')!;
    expect(anomaly.score).toBeGreaterThanOrEqual(4);
    expect(anomaly.details!.z_keyword).toBeGreaterThanOrEqual(4);
  });

  test('a burst of negative posts from large accounts fires once it has enough distinct authors', async () => {
    const s = await scorer();
    const neg = (id: string, author: string, followers: number, dt: number): EventSpec => ({ id, text: 'Terrible service, awful and rude staff, worst experience', authorId: author, followers, occurredAt: T0 + dt });
    const events = [neg('n1', 'big1', 50_000, 0), neg('n2', 'small', 200, 1000), neg('n3', 'big1', 50_000, 2000), neg('n4', 'big2', 12_000, 3000), neg('n5', 'big3', 90_000, 4000), neg('n6', 'big4', 20_000, 5000)].map((x) =>
      enrichedEvent(x),
    );
    const alerts = alertsOf(await runAll(s, events)).filter((a) => a.rule === 'negative-influencers');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].evidence.eventIds).toEqual(['n1', 'n4', 'n5']);
    expect(alerts[0]).toMatchObject({ entity: { type: 'source', value: 'twitter' }, firedAt: T0 + 4000, evidence: { windowStart: T0, windowEnd: T0 + 10 * MIN } });
    expect(alerts[0].models).toEqual(['sentiment@1.0.0']);
  });

  test('spam likelihood >= 0.95 alerts once per author and hour', async () => {
    const s = await scorer();
    const spam = (id: string, dt: number) => enrichedEvent({ id, text: 'WIN a FREE iPhone!!! click here http://bit.ly/x #giveaway #free #win', authorId: 'bot', followers: 5, duplicate: true, occurredAt: T0 + dt });
    const alerts = alertsOf(await runAll(s, [spam('s1', 0), spam('s2', 60_000), spam('s3', 3_600_000)]));
    expect(alerts.map((a) => [a.rule, a.entity.value, a.evidence.eventIds![0]])).toEqual([
      ['spam', 'twitter:bot', 's1'],
      ['spam', 'twitter:bot', 's3'],
    ]);
  });

  test('dedup across a replay: the same input gives the same dedup keys and ids; one process emits a key once', async () => {
    const events = floodStream();
    const first = alertsOf(await runAll(await scorer(), events));
    const replay = alertsOf(await runAll(await scorer(), events, 13)); // other batch boundaries, fresh process
    expect(first.length).toBeGreaterThan(0);
    expect(replay.map((a) => [a.dedupKey, a.id, a.firedAt])).toEqual(first.map((a) => [a.dedupKey, a.id, a.firedAt]));
    const once = await scorer();
    await runAll(once, events);
    const again = alertsOf(await runAll(once, events, 11)); // redelivered (same offsets, other batches)
    expect(again).toEqual([]);
  });

  test('a record that cannot be scored is rejected with its reason; the batch goes on', async () => {
    const s = await scorer();
    const good = enrichedEvent({ text: 'fine day' });
    const bad = { event: { ...good.event, author: undefined }, enrichment: good.enrichment } as unknown as EnrichedEvent;
    const out = await s.handle([inRecord(good, 0, 0), inRecord(bad, 0, 1)]);
    expect(scoredOf(out.produce)).toHaveLength(1);
    expect(out.reject).toHaveLength(1);
    expect(out.reject[0].reason).toMatch(/^scoring failed: /);
  });

  test('new rules are taken between batches and apply from the next batch', async () => {
    const rules = new StaticRules(parseRuleFile(RULES, 'a.yaml'));
    const models = await ModelRegistry.open(DEFAULT_MODEL_DIR);
    const store = new StreamStore({ params: DEFAULT_STREAM_PARAMS, seasonalTypes: new Set(), maxEntities: 1000 });
    const s = new Scorer({ models, rules, onnx: [], store, checkpointIntervalMs: 60_000, maxKeywords: 20 });
    const spam = (id: string) => enrichedEvent({ id, text: 'WIN a FREE iPhone!!! click here http://bit.ly/x #giveaway #free #win', authorId: id, followers: 5, duplicate: true, occurredAt: T0 });
    expect(alertsOf((await s.handle([inRecord(spam('x1'), 0, 0)])).produce)).toHaveLength(1);
    rules.set(parseRuleFile(RULES.replace('min: 0.95', 'min: 1.5'), 'b.yaml'));
    expect(alertsOf((await s.handle([inRecord(spam('x2'), 0, 1)])).produce)).toHaveLength(0);
  });

  test('changed model state is checkpointed with the first batch, then with the batch outputs every interval', async () => {
    let now = 0;
    const s = await scorer(DEFAULT_MODEL_DIR, RULES, () => now);
    const batch = (o: number) => [inRecord(enrichedEvent({ text: 'checkpoint me', occurredAt: T0 }), 2, o)];
    const stateOf = async (o: number) => (await s.handle(batch(o))).produce.filter((p) => p.topic === 'modelState');
    const first = await stateOf(0);
    expect(first.map((p) => p.key)).toEqual(expect.arrayContaining(['2|s:twitter', '2|a:twitter:author-1', '2|k:checkpoint', '2|@']));
    now = 30_000;
    expect(await stateOf(1)).toEqual([]);
    now = 60_000;
    const state = await stateOf(2);
    expect(state.map((p) => p.key)).toEqual(expect.arrayContaining(['2|k:checkpoint', '2|@']));
    expect(state.find((p) => p.key === '2|@')!.value).toEqual({ offset: 2 });
  });
});

describe('model hot swap', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'score-models-'));
    for (const f of await fsp.readdir(DEFAULT_MODEL_DIR)) await fsp.copyFile(path.join(DEFAULT_MODEL_DIR, f), path.join(dir, f));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function writeVersion(version: string, edit: (file: Record<string, unknown>) => void = () => undefined): Promise<void> {
    const file = JSON.parse(await fsp.readFile(path.join(dir, 'sentiment@1.0.0.json'), 'utf8')) as Record<string, unknown>;
    file.version = version;
    edit(file);
    await fsp.writeFile(path.join(dir, `sentiment@${version}.json.tmp`), JSON.stringify(file));
    await fsp.rename(path.join(dir, `sentiment@${version}.json.tmp`), path.join(dir, `sentiment@${version}.json`));
  }

  test('a new version takes over between batches: every record scored once, by exactly one version', async () => {
    const s = await scorer(dir);
    const registry = (s.options.models as ModelRegistry);
    registry.watch(0);
    try {
      const events = Array.from({ length: 60 }, (_, i) => enrichedEvent({ id: `e${i}`, text: `great product number ${i}`, occurredAt: T0 + i * 1000 }));
      const seen: Array<{ id: string; version: string; processing: string }> = [];
      for (let b = 0; b < 6; b++) {
        if (b === 3) {
          await writeVersion('1.1.0');
          // The watcher loads it off the scoring path; it stays pending until the next batch starts.
          const deadline = Date.now() + 5000;
          while (registry.versions().sentiment !== '1.1.0') {
            if (Date.now() > deadline) throw new Error('new model version not loaded');
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        const out = await s.handle(events.slice(b * 10, b * 10 + 10).map((e, i) => inRecord(e, 0, b * 10 + i)));
        for (const v of scoredOf(out.produce)) seen.push({ id: v.enriched.event.id, version: v.scores![0].version, processing: v.processingVersion! });
      }
      expect(seen.map((x) => x.id)).toEqual(events.map((e) => e.event.id));
      expect(seen.slice(0, 30).every((x) => x.version === '1.0.0' && x.processing.includes('sentiment@1.0.0'))).toBe(true);
      expect(seen.slice(30).every((x) => x.version === '1.1.0' && x.processing.includes('sentiment@1.1.0'))).toBe(true);
    } finally {
      registry.close();
    }
  });

  test('a model file that does not validate is refused and the models in force stay', async () => {
    const registry = await ModelRegistry.open(dir);
    await writeVersion('2.0.0', (f) => {
      f.classes = ['bad'];
    });
    expect(await registry.reload()).toBe(false);
    expect(registry.lastError).toMatch(/sentiment@2\.0\.0\.json: field "classes/);
    expect(registry.take().sentiment.version).toBe('1.0.0');
    await writeVersion('2.0.1');
    expect(await registry.reload()).toBe(true);
    expect(registry.take().sentiment.version).toBe('2.0.1');
  });

  test('the file name and the version inside must agree', async () => {
    const registry = await ModelRegistry.open(dir);
    await writeVersion('3.0.0', (f) => {
      f.version = '3.0.1';
    });
    expect(await registry.reload()).toBe(false);
    expect(registry.lastError).toContain('field "version" is 3.0.1 but the file name says 3.0.0');
  });
});
