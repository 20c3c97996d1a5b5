import type { GroupLag } from '@sluice/runtime';

export interface ShedBounds {
  /** Shed when a watched group is more records behind than this (summed over its partitions). */
  maxLagRecords: number;
  /** Shed when a watched group's oldest unconsumed record is older than this. */
  maxLagSeconds: number;
  /** Hysteresis: accept again only once every group is below this fraction of both bounds. */
  resumeRatio: number;
  retryAfterMinSeconds: number;
  retryAfterMaxSeconds: number;
}

/** Why ingest is shedding load: the group furthest from accepting again. */
export interface Shedding {
  group: string;
  lagRecords: number;
  lagSeconds: number;
  /** Records per second the group commits (0 when it is not moving). */
  drainRate: number;
  retryAfterSeconds: number;
  reason: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function isOver(lag: GroupLag, b: ShedBounds): boolean {
  return lag.totalRecords > b.maxLagRecords || lag.maxSeconds > b.maxLagSeconds;
}

export function isBelowResume(lag: GroupLag, b: ShedBounds): boolean {
  return lag.totalRecords <= b.maxLagRecords * b.resumeRatio && lag.maxSeconds <= b.maxLagSeconds * b.resumeRatio;
}

/**
 * Seconds until `lag` falls below the resume level at its observed drain rate. The records bound is
 * direct (excess records / drain rate); for the seconds bound, the records to drain are estimated as the
 * share of the backlog older than the resume age. Clamped, so a stalled group gives the maximum.
 */
export function retryAfterSeconds(lag: GroupLag, b: ShedBounds): number {
  const resumeRecords = b.maxLagRecords * b.resumeRatio;
  const resumeSeconds = b.maxLagSeconds * b.resumeRatio;
  let toDrain = Math.max(0, lag.totalRecords - resumeRecords);
  if (lag.maxSeconds > resumeSeconds && lag.maxSeconds > 0) toDrain = Math.max(toDrain, lag.totalRecords * (1 - resumeSeconds / lag.maxSeconds));
  const seconds = lag.drainRate > 0 ? toDrain / lag.drainRate : b.retryAfterMaxSeconds;
  return Math.min(b.retryAfterMaxSeconds, Math.max(b.retryAfterMinSeconds, Math.ceil(seconds)));
}

/**
 * The shedding state after a lag sample: starts when any group passes a bound, and (hysteresis) ends
 * only when every group is back below the resume level, so ingest does not flap at the bound.
 */
export function decide(lags: GroupLag[], bounds: ShedBounds, shedding: boolean): Shedding | null {
  const blocking = lags.filter((lag) => (shedding ? !isBelowResume(lag, bounds) : isOver(lag, bounds)));
  if (blocking.length === 0) return null;
  let worst: Shedding | null = null;
  for (const lag of blocking) {
    const retry = retryAfterSeconds(lag, bounds);
    if (worst && worst.retryAfterSeconds >= retry) continue;
    const topics = [...new Set(lag.partitions.map((p) => p.topic))].join(', ');
    const drain = lag.drainRate > 0 ? `it drains about ${fmt(lag.drainRate)} records/s` : 'it is not consuming';
    worst = {
      group: lag.group,
      lagRecords: lag.totalRecords,
      lagSeconds: Math.round(lag.maxSeconds * 10) / 10,
      drainRate: Math.round(lag.drainRate),
      retryAfterSeconds: retry,
      reason:
        `the pipeline is behind: consumer group ${lag.group} is ${fmt(lag.totalRecords)} records and ${fmt(lag.maxSeconds)} s behind on ${topics || 'its topics'} ` +
        `(bounds ${fmt(bounds.maxLagRecords)} records, ${fmt(bounds.maxLagSeconds)} s; ingest accepts again below ${Math.round(bounds.resumeRatio * 100)}% of both); ` +
        `${drain}, so retry in about ${retry} s`,
    };
  }
  return worst;
}
