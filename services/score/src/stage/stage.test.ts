/**
 * The score stage against the real broker and registry: scoring and alerting end to end, and the
 * streaming-model state surviving a restart and a rebalance (checkpointed to the compacted model-state
 * topic, restored on assignment). Expected figures come from the pure handler fed the same records in
 * the same partition order without any interruption.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Alert, EnrichedEvent, ScoredEvent } from '@sluice/contracts';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { createLogger, createOpsServer, startStage, type AvroSerde, type RunningStage } from '@sluice/runtime';
import type { Naming } from '@sluice/contracts';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, readTopic, uniquePrefix } from '../../../../test/support/kafka';
import { ModelRegistry } from '../models/registry';
import { DEFAULT_STREAM_PARAMS } from '../models/stream/entity';
import { StreamStore } from '../models/stream/store';
import { RuleSource } from '../rules/source';
import { enrichedEvent, inRecord } from '../testkit';
import { DEFAULT_MODEL_DIR, DEFAULT_RULES_FILE, PACKAGE_ROOT, scoreStage } from './definition';
import { Scorer } from './scorer';
import { mountScoreRoutes } from './ops';
import { readStateTopic } from './state-topic';

const logger = createLogger('score-test', process.env.TEST_LOG ?? 'warn');
const MIN = 60_000;
const T0 = Date.UTC(2024, 5, 1, 8);
const PARTITIONS = 6;

interface Placed {
  partition: number;
  event: EnrichedEvent;
}

/** Per partition and minute: background posts mentioning "flood" and other words; a flood spike at `spikeMinute`. */
function minutes(from: number, to: number, spikeMinute: number | null, partitions: number[]): Placed[] {
  const out: Placed[] = [];
  for (let m = from; m < to; m++) {
    for (const p of partitions) {
      out.push({ partition: p, event: enrichedEvent({ id: `p${p}-m${m}-a`, text: `flood barriers checked in district ${p}`, occurredAt: T0 + m * MIN + p, authorId: `a${p}` }) });
      out.push({ partition: p, event: enrichedEvent({ id: `p${p}-m${m}-b`, text: `market prices today ${m % 3 === 0 ? 'rising' : 'stable'}`, occurredAt: T0 + m * MIN + 500 + p, authorId: `b${p}` }) });
      if (m === spikeMinute) {
        for (let i = 0; i < 9; i++) out.push({ partition: p, event: enrichedEvent({ id: `p${p}-m${m}-s${i}`, text: `flood water in the streets of district ${p}`, occurredAt: T0 + m * MIN + 1000 + i * 100, authorId: `w${i}` }) });
      }
    }
  }
  return out;
}

async function produceEvents(names: Naming, serde: AvroSerde, events: Placed[]): Promise<void> {
  await produce(events.map(({ partition, event }) => ({ topic: names.topic('enriched'), partition, key: `${event.event.source}:${event.event.author.id}`, value: serde.encode('enriched', event) })));
}

/** Anomaly and trend scores of every event, from the pure handler run without interruption. */
async function reference(events: Placed[]): Promise<Map<string, { anomaly: number; trend: number }>> {
  const models = await ModelRegistry.open(DEFAULT_MODEL_DIR);
  const rules = await RuleSource.open(DEFAULT_RULES_FILE);
  const store = new StreamStore({ params: DEFAULT_STREAM_PARAMS, seasonalTypes: new Set(['source']), maxEntities: 200_000 });
  const scorer = new Scorer({ models, rules, onnx: [], store, checkpointIntervalMs: 1e12, maxKeywords: 20 });
  const offsets = new Map<number, number>();
  const out = new Map<string, { anomaly: number; trend: number }>();
  for (const { partition, event } of events) {
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    const r = await scorer.handle([inRecord(event, partition, offset)]);
    const v = r.produce.find((p) => p.topic === 'scored')!.value as ScoredEvent;
    out.set(event.event.id, { anomaly: v.scores!.find((s) => s.model === 'anomaly')!.score, trend: v.scores!.find((s) => s.model === 'trend')!.score });
  }
  return out;
}

/** Scored records by event id, once every id in `ids` is there (duplicates after a rewind are allowed). */
async function scoredById(names: Naming, serde: AvroSerde, ids: string[]): Promise<Map<string, ScoredEvent>> {
  let want = ids.length;
  return eventually(async () => {
    const records = await readTopic(names.topic('scored'), want, 15_000);
    const out = new Map<string, ScoredEvent>();
    for (const r of records) {
      const v = await serde.decode<ScoredEvent>('scored', r.value);
      out.set(v.enriched.event.id, v);
    }
    const missing = ids.filter((id) => !out.has(id)).length;
    if (missing === 0) return out;
    want = records.length + missing;
    return undefined;
  }, 90_000, 100);
}

const idsOf = (events: Placed[]) => events.map((e) => e.event.event.id);
const figuresOf = (v: ScoredEvent) => ({ anomaly: v.scores!.find((s) => s.model === 'anomaly')!.score, trend: v.scores!.find((s) => s.model === 'trend')!.score });

function start(prefix: string, clientId: string, stage = scoreStage({ brokers: BROKERS, logger, checkpointIntervalMs: 600_000 })): Promise<RunningStage> {
  return startStage(stage, {
    brokers: BROKERS,
    registryUrl: REGISTRY_URL,
    prefix,
    logger,
    lagIntervalMs: 0,
    batchWaitMs: 5,
    batchSize: 200,
    clientId,
  });
}

describe('score stage against the real broker', () => {
  test('scores enriched events and raises alerts keyed by their dedup key', async () => {
    const prefix = uniquePrefix('score-e2e');
    const { names, serde } = await provision(prefix);
    const events = minutes(0, 16, 15, [0, 3]);
    await produceEvents(names, serde, events);
    const stage = await start(prefix, 'score-e2e');
    try {
      const scored = await scoredById(names, serde, idsOf(events));
      expect(scored.size).toBe(events.length);
      const one = scored.get('p0-m15-s8')!;
      expect(one.scores!.map((s) => s.model)).toEqual(['sentiment', 'spam', 'anomaly', 'trend']);
      expect(one.processingVersion).toMatch(/^score-1\.0\.0\+sentiment@/);
      const alertRecords = await readTopic(names.topic('alerts'), 1, 30_000);
      const alerts = await Promise.all(alertRecords.map(async (r) => ({ key: r.key!.toString(), alert: await serde.decode<Alert>('alerts', r.value) })));
      const flood = alerts.filter((a) => a.alert.rule === 'watched-keyword-spike' && a.alert.entity.value === 'flood');
      // Both partitions saw the spike in the same window: the same dedup key, emitted once by this process.
      expect(flood).toHaveLength(1);
      expect(flood[0].key).toBe(flood[0].alert.dedupKey);
      expect(flood[0].alert.evidence.windowStart).toBe(T0 + 15 * MIN);
    } finally {
      await stage.stop();
    }
  }, 90_000);

  test('anomaly state survives a restart: checkpointed on stop, restored on assignment', async () => {
    const prefix = uniquePrefix('score-restart');
    const { names, serde } = await provision(prefix);
    const all = [0, 1, 2, 3, 4, 5];
    const before = minutes(0, 20, null, all);
    const after = minutes(20, 26, 25, all); // too short for a cold baseline to warm up (10 buckets)
    const expected = await reference([...before, ...after]);

    await produceEvents(names, serde, before);
    const first = await start(prefix, 'score-restart-1');
    await scoredById(names, serde, idsOf(before));
    await first.stop();

    const state = await readStateTopic(BROKERS, `${prefix}.check`, names.topic('modelState'), () => true);
    const last = new Map(state.map((e) => [e.key, e.value]));
    for (const p of all) expect(last.get(`${p}|@`)).toEqual({ offset: 39 }); // 40 records per partition, all in the state
    expect(state.some((e) => e.key.endsWith('|k:flood'))).toBe(true);

    await produceEvents(names, serde, after);
    const second = await start(prefix, 'score-restart-2');
    try {
      const scored = await scoredById(names, serde, idsOf([...before, ...after]));
      expect(scored.size).toBe(before.length + after.length);
      for (const { event } of after) expect(figuresOf(scored.get(event.event.id)!)).toEqual(expected.get(event.event.id));
      // The spike is only visible because the baseline came back.
      expect(figuresOf(scored.get('p2-m25-s8')!).anomaly).toBeGreaterThanOrEqual(4);
      const alerts = await Promise.all((await readTopic(names.topic('alerts'), 1, 30_000)).map((r) => serde.decode<Alert>('alerts', r.value)));
      expect(alerts.some((a) => a.rule === 'watched-keyword-spike' && a.entity.value === 'flood' && a.evidence.windowStart === T0 + 25 * MIN)).toBe(true);
    } finally {
      await second.stop();
    }
  }, 120_000);

  test('anomaly state survives a rebalance: revoked partitions are checkpointed and restored by the new owner', async () => {
    const prefix = uniquePrefix('score-rebalance');
    const { names, serde } = await provision(prefix);
    const all = [0, 1, 2, 3, 4, 5];
    const before = minutes(0, 20, null, all);
    const after = minutes(20, 26, 25, all);
    const expected = await reference([...before, ...after]);

    await produceEvents(names, serde, before);
    const a = await start(prefix, 'score-rebalance-a');
    let b: RunningStage | null = null;
    try {
      await scoredById(names, serde, idsOf(before));
      expect(a.assignment()).toHaveLength(PARTITIONS);
      b = await start(prefix, 'score-rebalance-b');
      const joined = b;
      await eventually(async () => joined.assignment().length > 0 && a.assignment().length + joined.assignment().length === PARTITIONS, 60_000);
      const moved = joined.assignment().map((t) => t.partition);

      await produceEvents(names, serde, after);
      const scored = await scoredById(names, serde, idsOf([...before, ...after]));
      for (const { event } of after) expect(figuresOf(scored.get(event.event.id)!)).toEqual(expected.get(event.event.id));
      for (const p of moved) expect(figuresOf(scored.get(`p${p}-m25-s8`)!).anomaly).toBeGreaterThanOrEqual(4);
    } finally {
      await b?.stop();
      await a.stop();
    }
  }, 150_000);

  test('anomaly state survives a crash: the new owner rewinds to the last checkpoint and rebuilds the state', async () => {
    const prefix = uniquePrefix('score-crash');
    const { names, serde } = await provision(prefix);
    const all = [0, 1, 2, 3, 4, 5];
    const before = minutes(0, 20, null, all);
    const after = minutes(20, 26, 25, all);
    const expected = await reference([...before, ...after]);
    await produceEvents(names, serde, before);

    // The score service as its own process; with a long checkpoint interval only its first batch is
    // checkpointed, so the SIGKILL leaves the later batches committed but not checkpointed.
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'main.js')], {
      env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn', SCORE_CHECKPOINT_INTERVAL_MS: '600000', STAGE_BATCH_SIZE: '40', STAGE_LAG_INTERVAL_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await scoredById(names, serde, idsOf(before));
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; child output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 500)); // let the last offset commits land
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const markers = new Map<number, number>();
    for (const e of await readStateTopic(BROKERS, `${prefix}.check`, names.topic('modelState'), (k) => k.endsWith('|@'))) markers.set(Number(e.key.split('|')[0]), (e.value as { offset: number }).offset);
    expect([...markers.keys()].sort()).toEqual(all);
    // Every partition holds 40 records; the checkpoint covers only what the first batch (40 records) held,
    // which may be one whole partition when the consumer happened to fetch it first, never two.
    expect([...markers.values()].filter((m) => m < 39).length).toBeGreaterThanOrEqual(5);

    await produceEvents(names, serde, after);
    const stage = await start(prefix, 'score-crash-2');
    try {
      const records = await readTopic(names.topic('scored'), before.length + after.length, 30_000);
      expect(records.length).toBeGreaterThan(0);
      const scored = await scoredById(names, serde, idsOf([...before, ...after]));
      for (const { event } of after) expect(figuresOf(scored.get(event.event.id)!)).toEqual(expected.get(event.event.id));
      expect(figuresOf(scored.get('p4-m25-s8')!).anomaly).toBeGreaterThanOrEqual(4);
      // The records after the checkpoint were scored again (at least once is the guarantee).
      const all2 = await readTopic(names.topic('scored'), before.length + after.length + 1, 10_000);
      expect(all2.length).toBeGreaterThan(before.length + after.length);
    } finally {
      await stage.stop();
    }
  }, 150_000);

  test('hot swap in a running process: a reload call puts a new model version in force without dropping or double-scoring', async () => {
    const prefix = uniquePrefix('score-swap');
    const { names, serde } = await provision(prefix);
    const modelDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'score-swap-'));
    const rulesDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'score-swap-rules-'));
    const rulesFile = path.join(rulesDir, 'rules.yaml');
    for (const f of await fsp.readdir(DEFAULT_MODEL_DIR)) await fsp.copyFile(path.join(DEFAULT_MODEL_DIR, f), path.join(modelDir, f));
    await fsp.copyFile(DEFAULT_RULES_FILE, rulesFile);
    const definition = scoreStage({ brokers: BROKERS, logger, modelDir, rulesFile, modelPollMs: 0, rulesPollMs: 0 });
    const stage = await start(prefix, 'score-swap', definition);
    const ops = createOpsServer();
    mountScoreRoutes(ops, definition);
    const port = await ops.listen(0, '127.0.0.1');
    const call = async (method: string, route: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${route}`, { method });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      const first = minutes(0, 3, null, [0, 1]);
      await produceEvents(names, serde, first);
      await scoredById(names, serde, idsOf(first));

      const file = JSON.parse(await fsp.readFile(path.join(modelDir, 'sentiment@1.0.0.json'), 'utf8')) as { version: string };
      file.version = '1.1.0';
      await fsp.writeFile(path.join(modelDir, 'sentiment@1.1.0.json'), JSON.stringify(file));
      const reload = await call('POST', '/models/reload');
      expect(reload).toMatchObject({ status: 200, body: { pending: true, models: { sentiment: '1.1.0' } } });

      const second = minutes(3, 6, null, [0, 1]);
      await produceEvents(names, serde, second);
      const records = await readTopic(names.topic('scored'), first.length + second.length, 60_000);
      const seen = await Promise.all(records.map((r) => serde.decode<ScoredEvent>('scored', r.value)));
      const ids = seen.map((v) => v.enriched.event.id);
      expect(ids.sort()).toEqual(idsOf([...first, ...second]).sort()); // each once
      const version = new Map(seen.map((v) => [v.enriched.event.id, v.scores![0].version]));
      for (const id of idsOf(first)) expect(version.get(id)).toBe('1.0.0');
      for (const id of idsOf(second)) expect(version.get(id)).toBe('1.1.0');
      expect((await call('GET', '/models')).body).toMatchObject({ models: { sentiment: '1.1.0', spam: '1.0.0', anomaly: '1.0.0', trend: '1.0.0' } });

      // The rule file: a bad version is refused naming its line, the good rules stay.
      await fsp.writeFile(rulesFile, 'rules:\n  - id: x\n    type: anomaly\n    severity: LOUD\n');
      expect(await call('POST', '/rules/reload')).toMatchObject({ status: 422, body: { outcome: 'refused', line: 4 } });
      expect(((await call('GET', '/rules')).body.rules as unknown[]).length).toBeGreaterThan(1);
    } finally {
      await ops.close();
      await stage.stop();
      await fsp.rm(modelDir, { recursive: true, force: true });
      await fsp.rm(rulesDir, { recursive: true, force: true });
    }
  }, 120_000);
});
