/**
 * The score handler: a batch of enriched events in, scored events, alerts and model-state checkpoints out.
 *
 * Per batch: take the model set and rules in force (hot swaps land here, between batches), run the text
 * models over the whole batch (ONNX scorers with one session.run), then walk the records in order through
 * the streaming models and the rules. The only await comes before any state changes, so a failed batch
 * can be retried without counting anything twice.
 */
import type { EnrichedEvent, ModelScore, ScoredEvent } from '@sluice/contracts';
import type { BatchOutcome, InRecord, Logger, Produce, Rejection } from '@sluice/runtime';
import { viewText, type TextView } from '../text/tokenize';
import type { ModelSet } from '../models/registry';
import type { OnnxInputs, OnnxScorer } from '../models/onnx/scorer';
import { round, type SentimentResult } from '../models/sentiment/model';
import { SPAM_FEATURE_NAMES } from '../models/spam/model';
import { streamVersions, type EntityFigures } from '../models/stream/entity';
import type { CheckpointRecord, EntityType, StreamStore } from '../models/stream/store';
import { RuleEngine, type EntityFilter, type RuleInput } from '../rules/engine';
import type { RuleSet } from '../rules/schema';

export const SCORE_LOGIC_VERSION = '1.0.0';

export interface ModelSource {
  take(): ModelSet;
}
export interface RuleSource {
  take(): { rules: RuleSet; changed: boolean };
}

export interface ScorerOptions {
  models: ModelSource;
  rules: RuleSource;
  onnx: OnnxScorer[];
  store: StreamStore;
  /** Checkpoint changed model state with the batch outputs at most this often (ms, wall clock). */
  checkpointIntervalMs: number;
  /** Most keywords (and hashtags) of one event the streaming models count. */
  maxKeywords: number;
  logger?: Logger;
  now?: () => number;
}

export interface BatchResult extends BatchOutcome {
  produce: Produce[];
  reject: Rejection[];
}

export class Scorer {
  readonly engine: RuleEngine;
  readonly streamVersions: { anomaly: string; trend: string };
  private lastCheckpointAt: number;
  private readonly now: () => number;
  /** Partitions revoked from this process: records of them that still arrive are scored without state. */
  private readonly revoked = new Set<number>();
  private versionCache: { set: ModelSet; version: string } | null = null;

  constructor(readonly options: ScorerOptions) {
    this.now = options.now ?? Date.now;
    // The first batch checkpoints at once; then every interval.
    this.lastCheckpointAt = -Infinity;
    this.streamVersions = streamVersions(options.store.params);
    const first = options.rules.take();
    this.engine = new RuleEngine(first.rules, {
      bucketMs: options.store.params.bucketMs,
      streamModels: { anomaly: `anomaly@${this.streamVersions.anomaly}`, trend: `trend@${this.streamVersions.trend}` },
    });
  }

  get store(): StreamStore {
    return this.options.store;
  }

  processingVersion(models: ModelSet): string {
    if (this.versionCache?.set === models) return this.versionCache.version;
    const parts = [
      `sentiment@${models.sentiment.version}`,
      `spam@${models.spam.version}`,
      `anomaly@${this.streamVersions.anomaly}`,
      `trend@${this.streamVersions.trend}`,
      ...this.options.onnx.map((o) => `${o.name}@${o.version}`),
    ];
    const version = `score-${SCORE_LOGIC_VERSION}+${parts.join(',')}`;
    this.versionCache = { set: models, version };
    return version;
  }

  assigned(partitions: number[]): void {
    for (const p of partitions) this.revoked.delete(p);
  }

  revokedPartitions(partitions: number[]): void {
    for (const p of partitions) this.revoked.add(p);
    this.options.store.release(partitions);
  }

  async handle(batch: ReadonlyArray<InRecord<EnrichedEvent>>): Promise<BatchResult> {
    const models = this.options.models.take();
    const ruleUpdate = this.options.rules.take();
    if (ruleUpdate.changed) this.engine.setRules(ruleUpdate.rules);
    const processingVersion = this.processingVersion(models);
    const n = batch.length;

    // Text models over the whole batch. A record they cannot read is rejected, not the whole batch.
    const views: TextView[] = new Array(n);
    const sentiments: SentimentResult[] = new Array(n);
    const spamFeatures: Float64Array[] = new Array(n);
    const spamProbs: number[] = new Array(n);
    const failed: Array<string | undefined> = new Array(n);
    const ok: number[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const e = batch[i].value;
        const text = e.enrichment.normalizedText || e.event.text || '';
        const view = viewText(text, e.enrichment.matchText, e.enrichment.language);
        views[i] = view;
        sentiments[i] = models.sentiment.predict(view);
        // Feature vectors are kept only when an ONNX scorer may read them.
        const x = models.spam.features(view, e, this.options.onnx.length > 0 ? undefined : this.spamScratch);
        if (this.options.onnx.length > 0) spamFeatures[i] = x;
        spamProbs[i] = models.spam.probability(x);
        ok.push(i);
      } catch (err) {
        failed[i] = (err as Error).message;
      }
    }
    const onnxScores: ModelScore[][] = [];
    if (this.options.onnx.length > 0) {
      const inputs: OnnxInputs[] = ok.map((i) => ({ view: views[i], spamFeatures: spamFeatures[i], sentiment: sentiments[i].polarity, spam: spamProbs[i] }));
      for (const scorer of this.options.onnx) {
        const scores = await scorer.scoreBatch(inputs);
        const byRecord: ModelScore[] = new Array(n);
        ok.forEach((i, k) => (byRecord[i] = scores[k]));
        onnxScores.push(byRecord);
      }
    }

    // From here on nothing awaits: streaming state and rules change record by record.
    const produce: Produce[] = [];
    const reject: Rejection[] = [];
    const scoredAt = this.now();
    let current = 0;
    const evidenceOf = (type: EntityType, value: string, max: number) => evidence(batch, current, type, value, max);
    for (let i = 0; i < n; i++) {
      current = i;
      const rec = batch[i];
      if (failed[i] !== undefined) {
        reject.push({ record: rec, reason: `scoring failed: ${failed[i]}`, errorType: 'handler' });
        continue;
      }
      try {
        const e = rec.value;
        const ev = e.event;
        // The record key is also the author entity's value: one string for both.
        const key = `${ev.source}:${ev.author.id}`;
        const stream = this.revoked.has(rec.partition) ? this.stateless() : this.observe(rec, e, key);
        const scores: ModelScore[] = [models.sentiment.toScore(sentiments[i]), models.spam.toScore(spamProbs[i]), stream.anomaly, stream.trend];
        for (const o of onnxScores) scores.push(o[i]);
        const scored: ScoredEvent = { enriched: e, scores, processingVersion, scoredAt };
        produce.push({ topic: 'scored', key, value: scored, from: rec });
        const input: RuleInput = {
          eventId: ev.id,
          source: ev.source,
          authorId: ev.author.id,
          followers: ev.author.followers ?? null,
          verified: ev.author.verified === true,
          language: views[i].language,
          time: ev.occurredAt,
          keywords: e.enrichment.keywords ?? [],
          hashtags: e.enrichment.hashtags ?? [],
          scores,
          entities: stream.candidates,
          evidence: evidenceOf,
        };
        for (const alert of this.engine.evaluate(input)) produce.push({ topic: 'alerts', key: alert.dedupKey, value: alert, from: rec });
      } catch (err) {
        reject.push({ record: rec, reason: `scoring failed: ${(err as Error).message}`, errorType: 'handler' });
      }
    }
    this.engine.endBatch();

    if (this.now() - this.lastCheckpointAt >= this.options.checkpointIntervalMs && this.options.store.hasChanges()) {
      for (const c of this.takeCheckpoint()) produce.push({ topic: 'modelState', key: c.key, value: c.value });
    }
    return { produce, reject };
  }

  /** Checkpoint records of changed state (all owned partitions, or the given ones). */
  takeCheckpoint(partitions?: number[]): CheckpointRecord[] {
    this.lastCheckpointAt = this.now();
    return this.options.store.checkpoint(partitions);
  }

  /**
   * Counts the event for its entities (source, author, keywords, hashtags) and folds their figures into
   * the anomaly and trend scores; keeps the entities the rules may fire on.
   */
  private observe(rec: InRecord<EnrichedEvent>, e: EnrichedEvent, authorKey: string): StreamResult {
    const a = this.acc;
    a.reset(rec.partition, e.event.occurredAt, rec.offset, this.engine.entityFilter());
    this.observeEntity('source', e.event.source);
    this.observeEntity('author', authorKey);
    const max = this.options.maxKeywords;
    const kws = e.enrichment.keywords ?? [];
    for (let j = 0; j < kws.length && j < max; j++) if (kws.indexOf(kws[j]) === j) this.observeEntity('keyword', kws[j]);
    const tags = e.enrichment.hashtags ?? [];
    for (let j = 0; j < tags.length && j < max; j++) if (tags.indexOf(tags[j]) === j) this.observeEntity('hashtag', tags[j]);

    const details: Record<string, number> = {};
    for (let k = 0; k < 4; k++) if (!Number.isNaN(a.z[k])) details[Z_NAMES[k]] = round(a.z[k]);
    details.count = a.aCount;
    details.expected = round(a.aExpected);
    details.sd = round(a.aSd);
    details.bucketStart = a.aBucket;
    return {
      // The anomaly label names the entity behind the score, e.g. keyword:flood.
      anomaly: { model: 'anomaly', version: this.streamVersions.anomaly, label: a.aType && a.aWarm ? `${a.aType}:${a.aValue}` : null, score: a.aType ? round(a.aZ) : 0, details },
      trend: {
        model: 'trend',
        version: this.streamVersions.trend,
        label: a.tValue === null ? null : `keyword:${a.tValue}`,
        score: a.tValue === null ? 0 : round(a.tVelocity),
        details: { acceleration: round(a.tAcceleration), level: round(a.tLevel), count: a.tCount },
      },
      candidates: a.candidates,
    };
  }

  /** Counts the event for one entity and folds its figures into the accumulator. */
  private observeEntity(type: EntityType, value: string): void {
    const a = this.acc;
    const f = this.scratch;
    this.options.store.observe(a.partition, type, value, a.time, a.offset, f);
    const k = TYPE_INDEX[type];
    if (!(f.z <= a.z[k])) a.z[k] = f.z; // NaN-safe max
    if (f.z > a.aZ) {
      a.aType = type;
      a.aValue = value;
      a.aZ = f.z;
      a.aCount = f.count;
      a.aExpected = f.expected;
      a.aSd = f.sd;
      a.aBucket = f.bucket;
      a.aWarm = f.warm;
    }
    if (type === 'keyword' && f.velocity > a.tVelocity) {
      a.tValue = value;
      a.tVelocity = f.velocity;
      a.tAcceleration = f.acceleration;
      a.tLevel = f.level;
      a.tCount = f.count;
    }
    const filter = a.filter!;
    if ((f.z >= filter.minZ || f.velocity >= filter.minVelocity) && filter.types.has(type)) {
      if (a.candidates === NO_CANDIDATES) a.candidates = [];
      a.candidates.push({ type, value, figures: { ...f } });
    }
  }

  private readonly acc = new Accumulator();
  private readonly spamScratch = new Float64Array(SPAM_FEATURE_NAMES.length);
  /** Scores of a record whose partition was revoked while it was in flight: no state to score against. */
  private stateless(): StreamResult {
    return {
      anomaly: { model: 'anomaly', version: this.streamVersions.anomaly, label: null, score: 0, details: { stateless: 1 } },
      trend: { model: 'trend', version: this.streamVersions.trend, label: null, score: 0, details: { stateless: 1 } },
      candidates: [],
    };
  }

  private readonly scratch: EntityFigures = { z: 0, count: 0, expected: 0, sd: 0, bucket: 0, velocity: 0, acceleration: 0, level: 0, warm: false };
}

/** Per-event fold of entity figures: the entity with the highest z and the keyword with the highest velocity. */
class Accumulator {
  partition = 0;
  time = 0;
  offset = 0;
  filter: EntityFilter | null = null;
  readonly z = new Float64Array(4);
  aType: EntityType | null = null;
  aValue = '';
  aZ = -Infinity;
  aCount = 0;
  aExpected = 0;
  aSd = 0;
  aBucket = 0;
  aWarm = false;
  tValue: string | null = null;
  tVelocity = -Infinity;
  tAcceleration = 0;
  tLevel = 0;
  tCount = 0;
  candidates: StreamResult['candidates'] = NO_CANDIDATES;

  reset(partition: number, time: number, offset: number, filter: EntityFilter): void {
    this.partition = partition;
    this.time = time;
    this.offset = offset;
    this.filter = filter;
    this.z.fill(NaN);
    this.aType = null;
    this.aValue = '';
    this.aZ = -Infinity;
    this.aCount = this.aExpected = this.aSd = this.aBucket = 0;
    this.aWarm = false;
    this.tValue = null;
    this.tVelocity = -Infinity;
    this.tAcceleration = this.tLevel = this.tCount = 0;
    this.candidates = NO_CANDIDATES;
  }
}

const NO_CANDIDATES: StreamResult['candidates'] = [];

interface StreamResult {
  anomaly: ModelScore;
  trend: ModelScore;
  candidates: Array<{ type: EntityType; value: string; figures: EntityFigures }>;
}

const TYPE_INDEX: Record<EntityType, number> = { source: 0, author: 1, keyword: 2, hashtag: 3 };
const Z_NAMES = ['z_source', 'z_author', 'z_keyword', 'z_hashtag'];


/** Ids of the batch's events up to index `upTo` that concern an entity, at most `max`, latest kept. */
function evidence(batch: ReadonlyArray<InRecord<EnrichedEvent>>, upTo: number, type: EntityType, value: string, max: number): string[] {
  const ids: string[] = [];
  for (let k = upTo; k >= 0 && ids.length < max; k--) {
    const e = batch[k].value;
    const hit =
      type === 'keyword'
        ? (e.enrichment.keywords ?? []).includes(value)
        : type === 'hashtag'
          ? (e.enrichment.hashtags ?? []).includes(value)
          : type === 'source'
            ? e.event.source === value
            : `${e.event.source}:${e.event.author?.id}` === value;
    if (hit) ids.push(e.event.id);
  }
  return ids.reverse();
}

