import { GROUPS, STAGE_INPUTS, type GroupStage } from '@sluice/contracts';
import { LagTracker } from '@sluice/runtime';
import { withAdmin, type Admin, type CliContext } from '../context';
import { duration, table } from '../format';
import { describeGroup } from '../kafka/offsets';
import { readRanges } from '../kafka/reader';

export interface PartitionLagReport {
  topic: string;
  partition: number;
  /** Next offset the group will read (its committed offset, or the log start when it never committed). */
  committed: number;
  end: number;
  lagRecords: number;
  /** Age of the oldest record the group has not consumed yet (0 when caught up). */
  lagSeconds: number;
}

export interface GroupLagReport {
  stage: GroupStage;
  group: string;
  state: string;
  members: string[];
  partitions: PartitionLagReport[];
  totalRecords: number;
  maxSeconds: number;
  /** Records per second the group committed over the sampling window. */
  drainRate: number;
  /** Seconds to catch up at the current drain rate (null when it is not draining). */
  drainSeconds: number | null;
  sampledAt: number;
}

export interface LagReport {
  prefix: string;
  groups: GroupLagReport[];
  /** Sampling window the drain rate covers (ms). */
  windowMs: number;
}

/**
 * Lag of the stages' groups. Records behind come from committed offsets against the log end; seconds
 * behind from the timestamp of the first unconsumed record (exact, where interpolating watermark
 * history would need a long-running sampler); the drain rate from committed offsets sampled over time.
 */
export class LagSampler {
  private readonly tracker: LagTracker;
  private firstAt: number | null = null;

  constructor(
    private readonly ctx: CliContext,
    private readonly admin: Admin,
    private readonly stages: GroupStage[],
  ) {
    this.tracker = new LagTracker(admin, false);
  }

  async sample(): Promise<LagReport> {
    const existing = new Set(await this.admin.listTopics());
    const now = Date.now();
    this.firstAt ??= now;
    const groups: GroupLagReport[] = [];
    for (const stage of this.stages) {
      const group = this.ctx.names.group(stage);
      const topics = STAGE_INPUTS[stage].map((k) => this.ctx.names.topic(k)).filter((t) => existing.has(t));
      const description = await describeGroup(this.admin, group);
      if (topics.length === 0) {
        groups.push({ stage, group, state: description.state, members: description.members, partitions: [], totalRecords: 0, maxSeconds: 0, drainRate: 0, drainSeconds: null, sampledAt: now });
        continue;
      }
      const lag = await this.tracker.sample(group, topics, now);
      const behind = lag.partitions.filter((p) => p.lagRecords > 0);
      const firstUnread = await readRanges(
        this.ctx.brokers,
        behind.map((p) => ({ topic: p.topic, partition: p.partition, from: p.committed, to: p.committed + 1 })),
        30_000,
      );
      const oldest = new Map(firstUnread.map((r) => [`${r.topic}:${r.partition}`, r.timestamp]));
      const partitions = lag.partitions.map((p) => {
        const ts = oldest.get(`${p.topic}:${p.partition}`);
        const lagSeconds = p.lagRecords === 0 ? 0 : ts !== undefined ? Math.max(0, (now - ts) / 1000) : p.lagSeconds;
        return { topic: p.topic, partition: p.partition, committed: p.committed, end: p.high, lagRecords: p.lagRecords, lagSeconds };
      });
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      const totalRecords = partitions.reduce((s, p) => s + p.lagRecords, 0);
      groups.push({
        stage,
        group,
        state: description.state,
        members: description.members,
        partitions,
        totalRecords,
        maxSeconds: partitions.reduce((m, p) => Math.max(m, p.lagSeconds), 0),
        drainRate: lag.drainRate,
        drainSeconds: totalRecords === 0 ? 0 : lag.drainRate > 0 ? totalRecords / lag.drainRate : null,
        sampledAt: now,
      });
    }
    return { prefix: this.ctx.prefix, groups, windowMs: now - this.firstAt };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two samples `intervalMs` apart (the second carries the drain rate). */
export async function measureLag(ctx: CliContext, opts: { stage?: GroupStage; intervalMs?: number } = {}): Promise<LagReport> {
  const stages = opts.stage ? [opts.stage] : (Object.keys(GROUPS) as GroupStage[]);
  return withAdmin(ctx, async (admin) => {
    const sampler = new LagSampler(ctx, admin, stages);
    await sampler.sample();
    await sleep(opts.intervalMs ?? 1000);
    return sampler.sample();
  });
}

/** Samples every `intervalMs` until `signal` aborts, handing each report to `onReport`. */
export async function watchLag(ctx: CliContext, opts: { stage?: GroupStage; intervalMs?: number; signal?: AbortSignal }, onReport: (r: LagReport) => void): Promise<void> {
  const stages = opts.stage ? [opts.stage] : (Object.keys(GROUPS) as GroupStage[]);
  await withAdmin(ctx, async (admin) => {
    const sampler = new LagSampler(ctx, admin, stages);
    while (!opts.signal?.aborted) {
      onReport(await sampler.sample());
      await sleep(opts.intervalMs ?? 2000);
    }
  });
}

export function renderLag(r: LagReport): string {
  const rows = r.groups.flatMap((g) => g.partitions.map((p) => [g.group, p.topic, p.partition, p.committed, p.end, p.lagRecords, duration(p.lagSeconds)]));
  const out = [table(['group', 'topic', 'partition', 'committed', 'end', 'lag', 'behind'], rows), ''];
  out.push(
    table(
      ['group', 'state', 'members', 'lag', 'max behind', 'drain rate', 'time to drain'],
      r.groups.map((g) => [
        g.group,
        g.state === 'Dead' ? 'no group' : g.state,
        g.members.length,
        g.totalRecords,
        duration(g.maxSeconds),
        `${g.drainRate.toFixed(1)}/s`,
        g.drainSeconds === null ? 'not draining' : duration(g.drainSeconds),
      ]),
    ),
  );
  out.push('', `drain rate over the last ${duration(r.windowMs / 1000)}`);
  return out.join('\n');
}
