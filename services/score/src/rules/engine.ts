/**
 * Evaluates the rules in force against each scored event and raises alerts.
 *
 * Every alert has a dedup key derived only from the rule, the entity and the start of the event-time
 * window (never the wall clock), so replaying the same records produces the same keys and notify/persist
 * can drop what they already have. Within one process a key is emitted once (a bounded memory of keys).
 */
import { createHash } from 'node:crypto';
import type { Alert, ModelScore, Severity } from '@sluice/contracts';
import type { EntityFigures } from '../models/stream/entity';
import type { EntityType } from '../models/stream/store';
import type { AnomalyRule, BurstRule, RuleMatch, RuleSet, ThresholdRule, TrendRule, VersionedRule } from './schema';

/** What the rules see of one scored event. */
export interface RuleInput {
  eventId: string;
  source: string;
  authorId: string;
  followers: number | null;
  verified: boolean;
  language: string;
  /** Event time (occurredAt). */
  time: number;
  keywords: readonly string[];
  hashtags: readonly string[];
  /** The event's scores, one per model. */
  scores: readonly ModelScore[];
  /**
   * Streaming figures of the event's entities that may fire an entity rule (see RuleEngine.entityFilter;
   * the others are left out, which keeps the per-event work small).
   */
  entities: ReadonlyArray<{ type: EntityType; value: string; figures: EntityFigures }>;
  /** Ids of this batch's events, up to this one, that concern the entity (evidence of entity alerts). */
  evidence?(type: EntityType, value: string, max: number): string[];
}

/** Which entities the entity rules (anomaly, trend) could fire on. */
export interface EntityFilter {
  types: ReadonlySet<EntityType>;
  minZ: number;
  minVelocity: number;
}

export function scoreOf(input: RuleInput, model: string): ModelScore | undefined {
  for (const s of input.scores) if (s.model === model) return s;
  return undefined;
}

export interface RuleEngineOptions {
  /** Bucket length of the streaming models (the window of anomaly and trend alerts). */
  bucketMs: number;
  /** Model name@version of the streaming models, for the alerts' models field. */
  streamModels: { anomaly: string; trend: string };
  /** Most dedup keys remembered. */
  maxDedupKeys?: number;
  /** Most open burst windows held. */
  maxWindows?: number;
  /** Most event ids in an alert's evidence. */
  maxEvidenceIds?: number;
}

interface BurstWindow {
  start: number;
  end: number;
  count: number;
  authors: Set<string> | null;
  ids: string[];
  lastTime: number;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export function dedupKeyOf(ruleId: string, entityType: string, entityValue: string, windowStart: number): string {
  return sha(`${ruleId}\u0000${entityType}\u0000${entityValue}\u0000${windowStart}`).slice(0, 40);
}

export function alertIdOf(dedupKey: string, windowEnd: number): string {
  return `al-${sha(`${dedupKey}\u0000${windowEnd}`).slice(0, 26)}`;
}

const windowStartOf = (t: number, size: number): number => t - (((t % size) + size) % size);
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

export class RuleEngine {
  private rules: RuleSet;
  private readonly emitted = new Map<string, true>();
  private readonly windows = new Map<string, BurstWindow>();
  private watermark = 0;
  private readonly maxDedupKeys: number;
  private readonly maxWindows: number;
  private readonly maxIds: number;
  private filter: EntityFilter = { types: new Set(), minZ: Infinity, minVelocity: Infinity };

  constructor(
    rules: RuleSet,
    private readonly options: RuleEngineOptions,
  ) {
    this.rules = rules;
    this.maxDedupKeys = options.maxDedupKeys ?? 100_000;
    this.maxWindows = options.maxWindows ?? 100_000;
    this.maxIds = options.maxEvidenceIds ?? 20;
    this.indexRules();
  }

  get ruleSet(): RuleSet {
    return this.rules;
  }

  /** Puts new rules in force (between batches); open burst windows of rules that changed are dropped. */
  setRules(rules: RuleSet): void {
    const versions = new Set(rules.rules.map((r) => `${r.id}@${r.version}`));
    for (const key of this.windows.keys()) if (!versions.has(key.slice(0, key.indexOf('\u0000')))) this.windows.delete(key);
    this.rules = rules;
    this.indexRules();
  }

  private indexRules(): void {
    const types = new Set<EntityType>();
    let minZ = Infinity;
    let minVelocity = Infinity;
    for (const r of this.rules.rules) {
      if (r.type !== 'anomaly' && r.type !== 'trend') continue;
      for (const t of r.entityTypes) types.add(t);
      if (r.type === 'anomaly') minZ = Math.min(minZ, r.minScore);
      else minVelocity = Math.min(minVelocity, r.minVelocity);
    }
    this.filter = { types, minZ, minVelocity };
  }

  /** The entities a RuleInput must carry: of these types, with z or velocity at least these. */
  entityFilter(): EntityFilter {
    return this.filter;
  }

  /** Alerts the event raises (already deduplicated within this process). */
  evaluate(input: RuleInput): Alert[] {
    if (input.time > this.watermark) this.watermark = input.time;
    const out: Alert[] = [];
    for (const rule of this.rules.rules) {
      if (rule.match && !matches(rule.match, input)) continue;
      switch (rule.type) {
        case 'anomaly':
          this.anomaly(rule, input, out);
          break;
        case 'trend':
          this.trend(rule, input, out);
          break;
        case 'burst':
          this.burst(rule, input, out);
          break;
        case 'threshold':
          this.threshold(rule, input, out);
          break;
      }
    }
    return out;
  }

  /** Forgets burst windows that ended well before the latest event time seen. */
  endBatch(): void {
    for (const [key, w] of this.windows) if (w.end + (w.end - w.start) < this.watermark) this.windows.delete(key);
  }

  private anomaly(rule: AnomalyRule & { version: string }, input: RuleInput, out: Alert[]): void {
    for (const e of input.entities) {
      const f = e.figures;
      if (!rule.entityTypes.includes(e.type) || !f.warm || f.z < rule.minScore || f.count < rule.minCount) continue;
      if (rule.watch && !rule.watch.includes(e.value)) continue;
      this.emit(out, rule, input, { type: e.type, value: e.value }, f.bucket, f.bucket + this.options.bucketMs, input.evidence?.(e.type, e.value, this.maxIds) ?? [input.eventId], {
        score: f.z,
        threshold: rule.minScore,
        count: f.count,
        expected: f.expected,
        sd: f.sd,
      }, [this.options.streamModels.anomaly], { value: e.value, type: e.type, count: f.count, score: f.z });
    }
  }

  private trend(rule: TrendRule & { version: string }, input: RuleInput, out: Alert[]): void {
    for (const e of input.entities) {
      const f = e.figures;
      if (!rule.entityTypes.includes(e.type) || f.velocity < rule.minVelocity || f.count < rule.minCount) continue;
      if (rule.minAcceleration !== undefined && f.acceleration < rule.minAcceleration) continue;
      if (rule.watch && !rule.watch.includes(e.value)) continue;
      this.emit(out, rule, input, { type: e.type, value: e.value }, f.bucket, f.bucket + this.options.bucketMs, input.evidence?.(e.type, e.value, this.maxIds) ?? [input.eventId], {
        velocity: f.velocity,
        acceleration: f.acceleration,
        level: f.level,
        threshold: rule.minVelocity,
        count: f.count,
      }, [this.options.streamModels.trend], { value: e.value, type: e.type, count: f.count, score: f.velocity });
    }
  }

  private burst(rule: BurstRule & { version: string }, input: RuleInput, out: Alert[]): void {
    const groups: Array<{ type: string; value: string }> =
      rule.groupBy === 'all'
        ? [{ type: 'source', value: '*' }]
        : rule.groupBy === 'source'
          ? [{ type: 'source', value: input.source }]
          : (rule.groupBy === 'keyword' ? input.keywords : input.hashtags).map((v) => ({ type: rule.groupBy, value: v }));
    const start = windowStartOf(input.time, rule.window);
    for (const g of groups) {
      const key = `${rule.id}@${rule.version}\u0000${g.type}\u0000${g.value}\u0000${start}`;
      let w = this.windows.get(key);
      if (!w) {
        if (this.windows.size >= this.maxWindows) {
          const oldest = this.windows.keys().next().value;
          if (oldest !== undefined) this.windows.delete(oldest);
        }
        w = { start, end: start + rule.window, count: 0, authors: rule.distinctAuthors ? new Set() : null, ids: [], lastTime: input.time };
        this.windows.set(key, w);
      }
      if (w.authors) {
        if (w.authors.has(input.authorId)) continue;
        w.authors.add(input.authorId);
      }
      w.count++;
      w.lastTime = Math.max(w.lastTime, input.time);
      if (w.ids.length < this.maxIds) w.ids.push(input.eventId);
      if (w.count < rule.minCount) continue;
      if (w.authors && w.count > rule.minCount) w.authors = new Set(); // enough distinct authors seen: stop growing the set
      const models = new Set<string>();
      const s = scoreOf(input, 'sentiment');
      if (rule.match?.sentiment && s) models.add(`${s.model}@${s.version}`);
      this.emit(out, rule, input, g, w.start, w.end, w.ids, { count: w.count, threshold: rule.minCount, windowMs: rule.window }, [...models], {
        value: g.value,
        type: g.type,
        count: w.count,
        score: w.count,
      });
    }
  }

  private threshold(rule: ThresholdRule & { version: string }, input: RuleInput, out: Alert[]): void {
    const s = scoreOf(input, rule.model);
    if (!s) return;
    const x = rule.field === 'score' ? s.score : s.details?.[rule.field];
    if (x === undefined) return;
    if (rule.min !== undefined && !(x >= rule.min)) return;
    if (rule.max !== undefined && !(x <= rule.max)) return;
    if (rule.label !== undefined && s.label !== rule.label) return;
    const entity =
      rule.entity === 'event' ? { type: 'event', value: input.eventId } : rule.entity === 'author' ? { type: 'author', value: `${input.source}:${input.authorId}` } : { type: 'source', value: input.source };
    const start = rule.entity === 'event' ? windowStartOf(input.time, rule.window) : windowStartOf(input.time, rule.window);
    const figures: Record<string, number> = { [rule.field]: x };
    if (rule.min !== undefined) figures.min = rule.min;
    if (rule.max !== undefined) figures.max = rule.max;
    this.emit(out, rule, input, entity, start, start + rule.window, [input.eventId], figures, [`${s.model}@${s.version}`], { value: entity.value, type: entity.type, count: 1, score: x });
  }

  private emit(
    out: Alert[],
    rule: VersionedRule,
    input: RuleInput,
    entity: { type: string; value: string },
    windowStart: number,
    windowEnd: number,
    ids: readonly string[],
    figures: Record<string, number>,
    models: string[],
    fill: { value: string; type: string; count: number; score: number },
  ): void {
    const dedupKey = dedupKeyOf(rule.id, entity.type, entity.value, windowStart);
    if (this.emitted.has(dedupKey)) return;
    this.emitted.set(dedupKey, true);
    if (this.emitted.size > this.maxDedupKeys) this.emitted.delete(this.emitted.keys().next().value!);
    const rounded: Record<string, number> = {};
    for (const [k, v] of Object.entries(figures)) rounded[k] = Math.round(v * 1e4) / 1e4;
    out.push({
      id: alertIdOf(dedupKey, windowEnd),
      dedupKey,
      rule: rule.id,
      ruleVersion: rule.version,
      severity: rule.severity as Severity,
      title: titleOf(rule, input, fill),
      source: entity.type === 'source' && entity.value === '*' ? null : input.source,
      entity,
      evidence: { eventIds: ids.slice(0, this.maxIds), windowStart, windowEnd, figures: rounded },
      models,
      firedAt: input.time,
    });
  }
}

function titleOf(rule: VersionedRule, input: RuleInput, fill: { value: string; type: string; count: number; score: number }): string {
  const template = rule.title ?? defaultTitle(rule);
  return template.replace(/\{(value|type|count|score|rule|source)\}/g, (_, k: string) =>
    k === 'value' ? fill.value : k === 'type' ? fill.type : k === 'count' ? String(fill.count) : k === 'score' ? fmt(fill.score) : k === 'rule' ? rule.id : input.source,
  );
}

function defaultTitle(rule: VersionedRule): string {
  switch (rule.type) {
    case 'anomaly':
      return 'Volume spike for {type} {value} (z = {score}, {count} events in a minute)';
    case 'trend':
      return 'Trending {type} {value} (velocity {score})';
    case 'burst':
      return '{count} matching events for {type} {value} ({rule})';
    case 'threshold':
      return `${rule.model} ${rule.field} {score} for {type} {value}`;
  }
}

export function matches(m: RuleMatch, input: RuleInput): boolean {
  if (m.sources && !m.sources.includes(input.source)) return false;
  if (m.languages && !m.languages.includes(input.language)) return false;
  if (m.minFollowers !== undefined && (input.followers ?? -1) < m.minFollowers) return false;
  if (m.verified !== undefined && m.verified !== input.verified) return false;
  if (m.keywords && !m.keywords.some((k) => input.keywords.includes(k) || input.hashtags.includes(k))) return false;
  if (m.sentiment !== undefined || m.minSentimentConfidence !== undefined) {
    const s = scoreOf(input, 'sentiment');
    if (!s) return false;
    if (m.sentiment !== undefined && s.label !== m.sentiment) return false;
    if (m.minSentimentConfidence !== undefined) {
      const p = s.details?.[s.label ?? ''] ?? 0;
      if (p < m.minSentimentConfidence) return false;
    }
  }
  return true;
}
