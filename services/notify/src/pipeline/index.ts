import type { Naming, RawEvent, TopicKey } from '@sluice/contracts';
import type { AvroSerde, Logger } from '@sluice/runtime';
import type { ConfirmationEntry } from '../confirmations/log';
import type { ConsoleStats } from '../console/stats';
import type { StoredRecord } from '../hub/types';
import { notifyMetrics } from '../metrics';
import { TopicTail } from '../tail';
import { PipelineTracker, leadingId, type PipelineStep, type TrackedEvent, type TrackerLimits } from './tracker';

export * from './tracker';

/** One stage of the pipeline as the console shows it: how much waits for it and how fast it moves. */
export interface PipelineStage {
  stage: 'ingest' | 'enrich' | 'score' | 'persist';
  /** The step an event has reached once this stage is done with it. */
  step: PipelineStep;
  /** Records waiting for the stage: its group's lag (end offset − committed), which includes its records in flight. */
  queue: number | null;
  /** Of the queue, records the stage has read and not yet committed (its /metrics, when scraped). */
  inFlight: number | null;
  lagSeconds: number | null;
  /** Records per second reaching this step (the tailed topic, or confirmed event ids for persisted). */
  ratePerSec: number | null;
}

export interface PipelineSnapshot {
  at: number;
  /** Whether the topics are being tailed (only while a console watches). */
  live: boolean;
  stages: PipelineStage[];
  events: TrackedEvent[];
  followed: { max: number; admitPerSecond: number };
}

export interface PipelineViewOptions extends TrackerLimits {
  brokers: string[];
  names: Naming;
  serde: AvroSerde;
  groupId: string;
  logger: Logger;
  /** How long the tails keep running after the last watcher left. */
  idleMs: number;
}

const TAILED: Array<{ key: TopicKey; step: PipelineStep }> = [
  { key: 'raw', step: 'accepted' },
  { key: 'enriched', step: 'enriched' },
  { key: 'scored', step: 'scored' },
];

/**
 * The console's pipeline view. While a console watches, notify tails the raw, enriched and scored
 * topics from their end with small fetches, reads only each record's event id (the leading bytes of
 * the Avro body), follows a bounded sample of events (PipelineTracker) and marks them persisted when
 * their confirmation arrives. Nobody watching for `idleMs`: the tails stop and nothing is read.
 */
export class PipelineView {
  readonly tracker: PipelineTracker;
  private tails: TopicTail[] | null = null;
  private starting: Promise<void> | null = null;
  private lastWatched = 0;
  private closed = false;

  constructor(private readonly options: PipelineViewOptions) {
    this.tracker = new PipelineTracker(options);
  }

  get live(): boolean {
    return this.tails !== null;
  }

  /** Someone is watching now: start the tails if they are not running. */
  watched(now = Date.now()): void {
    this.lastWatched = now;
    if (!this.tails && !this.starting && !this.closed) {
      this.starting = this.start()
        .catch((e: Error) => this.options.logger.warn({ err: e.message }, 'pipeline view could not tail the topics; retried on the next refresh'))
        .finally(() => (this.starting = null));
    }
  }

  /** Called every refresh with the number of watchers; stops the tails once nobody has watched for idleMs. */
  async refresh(watchers: number, now = Date.now()): Promise<void> {
    if (watchers > 0) return this.watched(now);
    if (this.tails && now - this.lastWatched >= this.options.idleMs) await this.stopTails();
  }

  /** Confirmations (always read, for the producers) mark followed events persisted. */
  confirmed(entries: ConfirmationEntry[]): void {
    if (!this.tails) return;
    for (const e of entries) {
      this.tracker.count('persisted', e.eventIds.length);
      for (const id of e.eventIds) this.tracker.record('persisted', id, e.committedAt, e.producer);
    }
  }

  snapshot(stats: ConsoleStats | null, now = Date.now()): PipelineSnapshot {
    const { events, ratePerSec } = this.tracker.snapshot(now);
    const group = (stage: string) => stats?.groups.find((g) => g.stage === stage && g.present);
    const inFlight = (stage: string) => {
      const s = stats?.stages.filter((x) => x.stage === stage && x.up && x.inFlight !== null) ?? [];
      return s.length ? s.reduce((n, x) => n + (x.inFlight ?? 0), 0) : null;
    };
    const topicRate = (key: TopicKey) => stats?.topics.find((t) => t.key === key)?.ratePerSec ?? null;
    const row = (stage: PipelineStage['stage'], step: PipelineStep, topic: TopicKey | null): PipelineStage => {
      const g = stage === 'ingest' ? undefined : group(stage);
      return {
        stage,
        step,
        queue: g ? g.lagRecords : null,
        inFlight: stage === 'ingest' ? null : inFlight(stage),
        lagSeconds: g ? g.lagSeconds : null,
        ratePerSec: ratePerSec[step] ?? (topic ? topicRate(topic) : null),
      };
    };
    return {
      at: now,
      live: this.live,
      stages: [row('ingest', 'accepted', 'raw'), row('enrich', 'enriched', 'enriched'), row('score', 'scored', 'scored'), row('persist', 'persisted', null)],
      events,
      followed: { max: this.options.maxEvents, admitPerSecond: this.options.admitPerSecond },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.stopTails();
  }

  private async start(): Promise<void> {
    const tails = TAILED.map(
      ({ key, step }) =>
        new TopicTail({
          brokers: this.options.brokers,
          topic: this.options.names.topic(key),
          groupId: `${this.options.groupId}.${key}`,
          logger: this.options.logger,
          from: 'latest',
          maxBatch: 1000,
          // Small fetches: the view needs ids, not throughput.
          maxPartitionFetchBytes: 256 * 1024,
          onRecords: (records) => this.onRecords(key, step, records),
        }),
    );
    const started = await Promise.allSettled(tails.map((t) => t.start()));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed || this.closed) {
      await Promise.allSettled(tails.map((t) => t.stop()));
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return;
    }
    this.tracker.clear();
    this.tails = tails;
    notifyMetrics.pipelineWatching.set(tails.length);
    this.options.logger.info({ topics: TAILED.map((t) => this.options.names.topic(t.key)) }, 'pipeline view: tailing topics for the console');
  }

  private async stopTails(): Promise<void> {
    const tails = this.tails;
    this.tails = null;
    if (!tails) return;
    this.tracker.clear();
    await Promise.allSettled(tails.map((t) => t.stop()));
    notifyMetrics.pipelineWatching.set(0);
    this.options.logger.info('pipeline view: nobody watching; stopped tailing');
  }

  private async onRecords(key: TopicKey, step: PipelineStep, records: StoredRecord[]): Promise<void> {
    if (!this.tails) return; // starting or stopping
    notifyMetrics.pipelineRecords.inc({ topic: key }, records.length);
    this.tracker.count(step, records.length);
    const now = Date.now();
    const admitted: StoredRecord[] = [];
    for (const r of records) {
      const id = leadingId(r.value);
      if (id === null) continue;
      if (step !== 'accepted') this.tracker.record(step, id, r.timestamp);
      else if (!this.tracker.isFollowed(id) && this.tracker.admit(now)) {
        // Followed from now (a later step may arrive on another tail before the decode below ends).
        this.tracker.record('accepted', id, r.timestamp);
        admitted.push(r);
      }
    }
    if (admitted.length === 0) return;
    // Only the few events taken in are decoded in full, for their producer.
    await this.options.serde.prepare('raw', admitted.map((r) => r.value));
    for (const r of admitted) {
      let producer: string | null = null;
      try {
        producer = this.options.serde.decodeSync<RawEvent>('raw', r.value).producer ?? null;
      } catch {
        // Not a RawEvent after all (enrich dead-letters it); follow it by id anyway.
      }
      this.tracker.record('accepted', leadingId(r.value)!, r.timestamp, producer);
    }
  }
}
