import type { Admin } from 'kafkajs';
import { TOPICS, type Naming, type TopicKey } from '@sluice/contracts';
import { LagTracker, type Logger } from '@sluice/runtime';
import { bucketDelta, histogramBuckets, histogramQuantile, parsePrometheusText, sumBy, type Bucket, type Sample } from './prometheus';

export interface MetricsTarget {
  name: string;
  url: string;
}

export interface WatchedGroup {
  stage: string;
  group: string;
  topics: string[];
}

export interface TopicStats {
  key: TopicKey;
  topic: string;
  /** Sum of the partitions' end offsets: records ever written. */
  end: number;
  ratePerSec: number | null;
}

export interface GroupStats {
  stage: string;
  group: string;
  /** Whether the broker knows the group (it has committed offsets or members). */
  present: boolean;
  lagRecords: number;
  lagSeconds: number;
  drainRate: number;
}

export interface StageStats {
  stage: string;
  /** Metrics endpoint the figures came from. */
  source: string;
  up: boolean;
  error?: string;
  /** Record age (now − Kafka timestamp) when the stage's outputs were acknowledged, over the last interval. */
  p50Ms: number | null;
  p99Ms: number | null;
  recordsInPerSec: number | null;
  /** Records the stage has read and not yet committed (sluice_records_in_flight). */
  inFlight: number | null;
}

export interface ConsoleStats {
  at: number;
  topics: TopicStats[];
  groups: GroupStats[];
  deadLetters: { inTopic: number; ratePerSec: number | null; byStage: Record<string, number> };
  stages: StageStats[];
}

export interface StatsOptions {
  admin: Admin;
  names: Naming;
  groups: WatchedGroup[];
  targets: MetricsTarget[];
  /** This process's own metrics text (no HTTP round trip to itself). */
  selfMetrics: () => Promise<string>;
  logger: Logger;
  scrapeTimeoutMs?: number;
}

/**
 * The figures behind the live console: per-topic throughput from end offsets, consumer lag per group
 * (the runtime's LagTracker), the dead-letter topic's size, and per-stage latency and rate scraped
 * from each stage's /metrics (infrastructure reads; no service calls another).
 */
export class StatsCollector {
  private readonly lag: LagTracker;
  private readonly prevEnds = new Map<string, { at: number; end: number }>();
  private readonly prevBuckets = new Map<string, Bucket[]>();
  private readonly prevIn = new Map<string, { at: number; value: number }>();

  constructor(private readonly options: StatsOptions) {
    // The stages export their own group's lag; this tracker only reads, for the console.
    this.lag = new LagTracker(options.admin, false);
  }

  async sample(now = Date.now()): Promise<ConsoleStats> {
    // Asking for a topic this deployment never created makes the admin client retry for seconds.
    const existing = new Set(await this.options.admin.listTopics());
    const [topics, groups, stageFigures] = await Promise.all([this.topicStats(now, existing), this.groupStats(now, existing), this.scrapeAll(now)]);
    const dlq = topics.find((t) => t.key === 'dlq');
    const dlqLow = dlq ? await this.lowSum(dlq.topic) : 0;
    return {
      at: now,
      topics,
      groups,
      deadLetters: { inTopic: dlq ? dlq.end - dlqLow : 0, ratePerSec: dlq?.ratePerSec ?? null, byStage: stageFigures.deadLettered },
      stages: stageFigures.stages,
    };
  }

  private async lowSum(topic: string): Promise<number> {
    try {
      return (await this.options.admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.low), 0);
    } catch {
      return 0;
    }
  }

  private async topicStats(now: number, existing: Set<string>): Promise<TopicStats[]> {
    const out: TopicStats[] = [];
    for (const key of Object.keys(TOPICS) as TopicKey[]) {
      const topic = this.options.names.topic(key);
      if (!existing.has(topic)) continue;
      let end: number;
      try {
        end = (await this.options.admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
      } catch (e) {
        this.options.logger.debug({ topic, err: String(e) }, 'reading end offsets failed');
        continue;
      }
      const prev = this.prevEnds.get(topic);
      this.prevEnds.set(topic, { at: now, end });
      out.push({ key, topic, end, ratePerSec: prev && now > prev.at ? Math.max(0, (end - prev.end) / ((now - prev.at) / 1000)) : null });
    }
    return out;
  }

  private async groupStats(now: number, existing: Set<string>): Promise<GroupStats[]> {
    let known: Set<string>;
    try {
      known = new Set((await this.options.admin.listGroups()).groups.map((g) => g.groupId));
    } catch (e) {
      this.options.logger.debug({ err: String(e) }, 'listing consumer groups failed');
      return [];
    }
    const out: GroupStats[] = [];
    for (const g of this.options.groups) {
      const topics = g.topics.filter((t) => existing.has(t));
      if (!known.has(g.group) || topics.length === 0) {
        out.push({ stage: g.stage, group: g.group, present: false, lagRecords: 0, lagSeconds: 0, drainRate: 0 });
        continue;
      }
      try {
        const lag = await this.lag.sample(g.group, topics, now);
        out.push({ stage: g.stage, group: g.group, present: true, lagRecords: lag.totalRecords, lagSeconds: lag.maxSeconds, drainRate: lag.drainRate });
      } catch (e) {
        this.options.logger.debug({ group: g.group, err: String(e) }, 'lag sample failed');
      }
    }
    return out;
  }

  private async scrapeAll(now: number): Promise<{ stages: StageStats[]; deadLettered: Record<string, number> }> {
    const sources: Array<{ name: string; url: string; text: () => Promise<string> }> = [
      { name: 'self', url: 'in-process', text: this.options.selfMetrics },
      ...this.options.targets.map((t) => ({ name: t.name, url: t.url, text: () => this.fetchText(t.url) })),
    ];
    const results = await Promise.all(
      sources.map(async (s) => {
        try {
          return { source: s, samples: parsePrometheusText(await s.text()), error: undefined };
        } catch (e) {
          return { source: s, samples: [] as Sample[], error: (e as Error).message };
        }
      }),
    );
    const stages: StageStats[] = [];
    const deadLettered: Record<string, number> = {};
    for (const { source, samples, error } of results) {
      if (error) {
        stages.push({ stage: source.name, source: source.url, up: false, error, p50Ms: null, p99Ms: null, recordsInPerSec: null, inFlight: null });
        continue;
      }
      const buckets = histogramBuckets(samples, 'sluice_record_age_seconds', 'stage');
      const recordsIn = sumBy(samples, 'sluice_records_in_total', 'stage');
      const inFlight = sumBy(samples, 'sluice_records_in_flight', 'stage');
      for (const [stage, count] of sumBy(samples, 'sluice_records_dead_lettered_total', 'stage')) deadLettered[stage] = (deadLettered[stage] ?? 0) + count;
      const names = new Set([...buckets.keys(), ...recordsIn.keys()]);
      for (const stage of names) {
        const key = `${source.url}|${stage}`;
        const now$ = buckets.get(stage) ?? [];
        const delta = bucketDelta(this.prevBuckets.get(key), now$);
        this.prevBuckets.set(key, now$);
        const p50 = histogramQuantile(0.5, delta);
        const p99 = histogramQuantile(0.99, delta);
        const value = recordsIn.get(stage) ?? 0;
        const prev = this.prevIn.get(key);
        this.prevIn.set(key, { at: now, value });
        stages.push({
          stage,
          source: source.url,
          up: true,
          p50Ms: p50 === null ? null : Math.round(p50 * 1000),
          p99Ms: p99 === null ? null : Math.round(p99 * 1000),
          recordsInPerSec: prev && now > prev.at && value >= prev.value ? (value - prev.value) / ((now - prev.at) / 1000) : null,
          inFlight: inFlight.get(stage) ?? null,
        });
      }
    }
    return { stages, deadLettered };
  }

  private async fetchText(url: string): Promise<string> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.options.scrapeTimeoutMs ?? 2000) });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    return res.text();
  }
}
