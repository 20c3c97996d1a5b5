/**
 * scoreStage(options): the score service as a StageDefinition for the shared runtime. It owns the model
 * registry (hot swap), the rule file (reload), the ONNX scorers, and the streaming state with its
 * checkpoints: with the batch outputs every checkpoint interval, and on revocation and stop through its
 * own producer, so a partition's next owner resumes exactly where this one stopped.
 */
import * as path from 'node:path';
import type { Alert, EnrichedEvent } from '@sluice/contracts';
import { createLogger, ReliableProducer, type Logger, type StageContext, type StageDefinition, type TopicPartition } from '@sluice/runtime';
import { ModelRegistry } from '../models/registry';
import { loadOnnxScorers, type OnnxModelSpec, type OnnxScorer } from '../models/onnx/scorer';
import { DEFAULT_STREAM_PARAMS, type StreamParams } from '../models/stream/entity';
import { checkpointKey, MARKER, parseCheckpointKey, StreamStore, type EntityType } from '../models/stream/store';
import { RuleSource } from '../rules/source';
import { scoreMetrics } from './metrics';
import { Scorer } from './scorer';
import { committedOffsets, readStateTopic } from './state-topic';

export const PACKAGE_ROOT = path.resolve(__dirname, '../..');
export const DEFAULT_MODEL_DIR = path.join(PACKAGE_ROOT, 'models');
export const DEFAULT_RULES_FILE = path.join(PACKAGE_ROOT, 'rules', 'default.yaml');

export interface ScoreOptions {
  brokers: string[];
  modelDir: string;
  rulesFile: string;
  onnxModels: OnnxModelSpec[];
  /** Poll intervals of the model directory and the rule file (fs.watch is the fast path). */
  modelPollMs: number;
  rulesPollMs: number;
  checkpointIntervalMs: number;
  maxEntities: number;
  maxKeywords: number;
  streamParams: StreamParams;
  seasonalTypes: EntityType[];
  logger?: Logger;
}

export const DEFAULT_SCORE_OPTIONS: Omit<ScoreOptions, 'brokers'> = {
  modelDir: DEFAULT_MODEL_DIR,
  rulesFile: DEFAULT_RULES_FILE,
  onnxModels: [],
  modelPollMs: 2000,
  rulesPollMs: 2000,
  checkpointIntervalMs: 30_000,
  maxEntities: 200_000,
  maxKeywords: 20,
  streamParams: DEFAULT_STREAM_PARAMS,
  seasonalTypes: ['source'],
};

/** The parts a started score stage exposes (ops routes and tests read them). */
export interface ScoreRuntime {
  scorer: Scorer;
  models: ModelRegistry;
  rules: RuleSource;
  onnx: OnnxScorer[];
}

export type ScoreStage = StageDefinition<EnrichedEvent> & {
  /** Set once start() ran. */
  readonly runtime: ScoreRuntime | null;
};

export function scoreStage(partial: Partial<ScoreOptions> & { brokers: string[] }): ScoreStage {
  const options: ScoreOptions = { ...DEFAULT_SCORE_OPTIONS, ...partial };
  let rt: ScoreRuntime | null = null;
  let producer: ReliableProducer | null = null;
  let logger: Logger = options.logger ?? createLogger('score');

  const need = (): ScoreRuntime => {
    if (!rt) throw new Error('score stage used before start()');
    return rt;
  };

  let published = '';
  const publishModelInfo = () => {
    if (!rt) return;
    const now = JSON.stringify(rt.models.versions());
    if (now === published) return;
    published = now;
    scoreMetrics.modelInfo.reset();
    for (const [m, v] of Object.entries({ ...rt.models.versions(), anomaly: rt.scorer.streamVersions.anomaly, trend: rt.scorer.streamVersions.trend })) scoreMetrics.modelInfo.set({ model: m, version: v }, 1);
    for (const o of rt.onnx) scoreMetrics.modelInfo.set({ model: o.name, version: o.version }, 1);
  };

  async function writeCheckpoint(ctx: StageContext, partitions?: number[]): Promise<number> {
    const records = need().scorer.takeCheckpoint(partitions);
    if (records.length === 0 || !producer) return 0;
    const topic = ctx.naming.topic('modelState');
    await producer.send(records.map((r) => ({ topic, key: r.key, value: Buffer.from(JSON.stringify(r.value)) })));
    scoreMetrics.checkpointRecords.inc(records.length);
    return records.length;
  }

  const inputPartitions = (tps: TopicPartition[], ctx: StageContext) => tps.filter((t) => t.topic === ctx.naming.topic('enriched')).map((t) => t.partition);

  const def: ScoreStage = {
    stage: 'score',
    outputs: ['scored', 'alerts', 'modelState'],
    get runtime() {
      return rt;
    },

    async start(ctx) {
      logger = options.logger ?? ctx.logger;
      const [models, rules, onnx] = await Promise.all([
        ModelRegistry.open(options.modelDir, logger),
        RuleSource.open(options.rulesFile, logger),
        loadOnnxScorers(options.onnxModels, logger),
      ]);
      models.watch(options.modelPollMs);
      rules.watch(options.rulesPollMs);
      const store = new StreamStore({ params: options.streamParams, seasonalTypes: new Set(options.seasonalTypes), maxEntities: options.maxEntities });
      const scorer = new Scorer({ models, rules, onnx, store, checkpointIntervalMs: options.checkpointIntervalMs, maxKeywords: options.maxKeywords, logger });
      rt = { scorer, models, rules, onnx };
      producer = new ReliableProducer({ brokers: options.brokers, clientId: `${ctx.instance}-state`, logger });
      await producer.connect();
      publishModelInfo();
      logger.info({ models: models.versions(), rules: rules.current.rules.length, onnx: onnx.map((o) => `${o.name}@${o.version}`) }, 'score models ready');
    },

    async handle(batch) {
      const { scorer, rules } = need();
      const refusedBefore = rules.lastError;
      const out = await scorer.handle(batch);
      for (const p of out.produce) {
        if (p.topic === 'alerts') {
          const a = p.value as Alert;
          scoreMetrics.alerts.inc({ rule: a.rule, severity: a.severity });
        } else if (p.topic === 'modelState') scoreMetrics.checkpointRecords.inc();
      }
      if (rules.lastError && rules.lastError !== refusedBefore) scoreMetrics.ruleFileRefusals.inc();
      scoreMetrics.entities.set(scorer.store.entityCount());
      publishModelInfo();
      return out;
    },

    async onAssigned(tps, ctx) {
      const { scorer } = need();
      const parts = inputPartitions(tps, ctx);
      if (parts.length === 0) return;
      const wanted = new Set(parts);
      const group = ctx.naming.group('score');
      const input = ctx.naming.topic('enriched');
      const entries = await readStateTopic(options.brokers, group, ctx.naming.topic('modelState'), (key) => {
        const k = parseCheckpointKey(key);
        return k !== null && wanted.has(k.partition);
      });
      const markers = scorer.store.restore(parts, entries);
      scorer.assigned(parts);
      scoreMetrics.restoredEntities.inc(entries.length - markers.size);
      const committed = await committedOffsets(options.brokers, group, input, parts);
      // After a crash the committed offset can be ahead of the last checkpoint: resume from the checkpoint
      // so the state is rebuilt (those records are scored again; downstream writes are idempotent). An
      // offset behind the checkpoint is an operator's replay and is kept.
      const start = new Map<string, number>();
      for (const [p, m] of markers) {
        const c = committed.get(p);
        if (c !== undefined && c > m + 1) start.set(`${input}:${p}`, m + 1);
      }
      // A partition without any checkpoint starts cold at its committed offset: say so in the topic at once,
      // so a crash before the first periodic checkpoint rebuilds from here rather than losing the state.
      const fresh = parts.filter((p) => !markers.has(p));
      if (fresh.length > 0 && producer) {
        const topic = ctx.naming.topic('modelState');
        const records = fresh.map((p) => ({ p, offset: (committed.get(p) ?? 0) - 1 }));
        for (const r of records) scorer.store.markCheckpointed(r.p, r.offset);
        await producer.send(records.map((r) => ({ topic, key: checkpointKey(r.p, MARKER), value: Buffer.from(JSON.stringify({ offset: r.offset })) })));
      }
      logger.info({ partitions: parts, entries: entries.length, markers: Object.fromEntries(markers), rewound: Object.fromEntries(start) }, 'model state restored');
      return start;
    },

    async onRevoked(tps, ctx) {
      const { scorer } = need();
      const parts = inputPartitions(tps, ctx);
      if (parts.length === 0) return;
      const records = await writeCheckpoint(ctx, parts);
      scorer.revokedPartitions(parts);
      logger.info({ partitions: parts, records }, 'model state checkpointed and released');
    },

    async stop(ctx) {
      if (!rt) return;
      try {
        await writeCheckpoint(ctx);
      } finally {
        rt.models.close();
        rt.rules.close();
        for (const o of rt.onnx) await o.close();
        await producer?.disconnect();
      }
    },
  };
  return def;
}
