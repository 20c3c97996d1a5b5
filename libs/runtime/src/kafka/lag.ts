import type { Admin } from 'kafkajs';
import { lagMetrics } from '../metrics';

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  high: number;
  lagRecords: number;
  /** Seconds since the high watermark was where the group's committed offset is now. */
  lagSeconds: number;
}

export interface GroupLag {
  group: string;
  partitions: PartitionLag[];
  totalRecords: number;
  maxSeconds: number;
  /** Records per second the group committed over the sampling history (0 when unknown). */
  drainRate: number;
  sampledAt: number;
}

interface Sample {
  at: number;
  offset: number;
}

const HISTORY = 120;

/**
 * Measures lag per group and partition. Seconds behind come from the history of each partition's high
 * watermark: the time at which the log end was where the group's committed offset is now (the usual
 * interpolation, as Burrow and kminion do), so no record has to be fetched to read its timestamp.
 */
export class LagTracker {
  private readonly highs = new Map<string, Sample[]>();
  private readonly commits = new Map<string, Sample[]>();
  private readonly latest = new Map<string, GroupLag>();

  constructor(
    private readonly admin: Admin,
    private readonly exportMetrics = true,
  ) {}

  last(group: string): GroupLag | undefined {
    return this.latest.get(group);
  }

  async sample(group: string, topics: string[], now = Date.now()): Promise<GroupLag> {
    const committed = await this.admin.fetchOffsets({ groupId: group, topics });
    const partitions: PartitionLag[] = [];
    let committedTotal = 0;
    for (const t of committed) {
      const ends = await this.admin.fetchTopicOffsets(t.topic);
      const highByPartition = new Map(ends.map((e) => [e.partition, Number(e.high)]));
      const lowByPartition = new Map(ends.map((e) => [e.partition, Number(e.low)]));
      for (const p of t.partitions) {
        const high = highByPartition.get(p.partition) ?? 0;
        const low = lowByPartition.get(p.partition) ?? 0;
        // No committed offset yet: the group will start from the earliest record.
        const c = Number(p.offset) < 0 ? low : Number(p.offset);
        const key = `${t.topic}:${p.partition}`;
        const history = push(this.highs, key, { at: now, offset: high });
        const lagRecords = Math.max(0, high - c);
        const lagSeconds = lagRecords === 0 ? 0 : secondsBehind(history, c, now);
        committedTotal += c;
        partitions.push({ topic: t.topic, partition: p.partition, committed: c, high, lagRecords, lagSeconds });
        if (this.exportMetrics) {
          const labels = { group, topic: t.topic, partition: String(p.partition) };
          lagMetrics.lagRecords.set(labels, lagRecords);
          lagMetrics.lagSeconds.set(labels, lagSeconds);
        }
      }
    }
    const commitHistory = push(this.commits, group, { at: now, offset: committedTotal });
    const first = commitHistory[0];
    const drainRate = commitHistory.length > 1 && now > first.at ? Math.max(0, (committedTotal - first.offset) / ((now - first.at) / 1000)) : 0;
    if (this.exportMetrics) for (const topic of topics) lagMetrics.drainRate.set({ group, topic }, drainRate);
    const lag: GroupLag = {
      group,
      partitions,
      totalRecords: partitions.reduce((s, p) => s + p.lagRecords, 0),
      maxSeconds: partitions.reduce((m, p) => Math.max(m, p.lagSeconds), 0),
      drainRate,
      sampledAt: now,
    };
    this.latest.set(group, lag);
    return lag;
  }
}

function push(map: Map<string, Sample[]>, key: string, sample: Sample): Sample[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(sample);
  if (list.length > HISTORY) list.shift();
  return list;
}

/** Time since the log end passed `offset`, interpolated over the watermark history. */
export function secondsBehind(history: Sample[], offset: number, now: number): number {
  // Walk back to the newest sample at or below the committed offset.
  for (let i = history.length - 1; i >= 0; i--) {
    const s = history[i];
    if (s.offset <= offset) {
      const next = history[i + 1];
      if (!next || next.offset === s.offset) return (now - s.at) / 1000;
      const fraction = (offset - s.offset) / (next.offset - s.offset);
      return (now - (s.at + fraction * (next.at - s.at))) / 1000;
    }
  }
  // Older than all history: at least as old as the oldest sample.
  return (now - history[0].at) / 1000;
}
