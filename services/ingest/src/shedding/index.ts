import { STAGE_INPUTS, type GroupStage, type Naming } from '@sluice/contracts';
import type { GroupLag, Logger } from '@sluice/runtime';
import { ingestMetrics } from '../metrics';
import { decide, type ShedBounds, type Shedding } from './decide';

export { decide, isOver, isBelowResume, retryAfterSeconds, type ShedBounds, type Shedding } from './decide';

export interface WatchedGroup {
  group: string;
  topics: string[];
}

/** The consumer groups of the given stages and the topics each reads. */
export function watchedGroups(stages: GroupStage[], names: Naming): WatchedGroup[] {
  return stages.map((stage) => ({ group: names.group(stage), topics: STAGE_INPUTS[stage].map((t) => names.topic(t)) }));
}

export interface LagSource {
  sample(group: string, topics: string[]): Promise<GroupLag>;
}

/**
 * Samples the lag of the downstream consumer groups and decides whether ingest sheds new HTTP load.
 * When lag cannot be measured for a while (Kafka or the admin client unreachable) it stops shedding
 * rather than refuse producers on stale numbers: produce then fails on its own with 503.
 */
export class LoadShedder {
  private state: Shedding | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastSampleAt = 0;
  private lastError: string | undefined;
  private lastLags: GroupLag[] = [];

  constructor(
    private readonly lag: LagSource,
    readonly groups: WatchedGroup[],
    readonly bounds: ShedBounds,
    private readonly logger?: Logger,
    /** Without a successful sample for this long, shedding stops. */
    private readonly staleAfterMs = 60_000,
  ) {
    ingestMetrics.shedding.set(0);
  }

  /** Why ingest sheds load now, or null when it accepts. */
  current(): Shedding | null {
    if (this.state && this.lastSampleAt > 0 && Date.now() - this.lastSampleAt > this.staleAfterMs) this.update(null, 'lag samples are stale');
    return this.state;
  }

  lags(): GroupLag[] {
    return this.lastLags;
  }

  async sampleOnce(): Promise<Shedding | null> {
    try {
      const lags: GroupLag[] = [];
      for (const g of this.groups) lags.push(await this.lag.sample(g.group, g.topics));
      this.lastLags = lags;
      this.lastSampleAt = Date.now();
      this.lastError = undefined;
      this.update(decide(lags, this.bounds, this.state !== null));
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.logger?.warn({ err: message }, 'cannot sample consumer lag');
      this.lastError = message;
    }
    return this.current();
  }

  start(intervalMs: number): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.sampleOnce();
      if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private update(next: Shedding | null, why?: string): void {
    if (next && !this.state) this.logger?.warn({ group: next.group, lagRecords: next.lagRecords, lagSeconds: next.lagSeconds }, `shedding HTTP load: ${next.reason}`);
    if (!next && this.state) this.logger?.info(`accepting HTTP load again${why ? ` (${why})` : ''}`);
    this.state = next;
    ingestMetrics.shedding.set(next ? 1 : 0);
  }
}
