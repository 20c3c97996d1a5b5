/** Where a replay moves a group: pure arithmetic over offsets, separate from the Kafka calls. */

export type ReplayTarget =
  /** The first record at or after a time (ms since the epoch). */
  | { kind: 'time'; at: number }
  /** An absolute offset, the same for every partition. */
  | { kind: 'offset'; offset: number }
  /** Relative to the committed offset: negative rewinds, positive skips. */
  | { kind: 'shift'; by: number };

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The group's committed offset (null when it never committed there). */
  committed: number | null;
  low: number;
  high: number;
  /** For a time target: the offset of the first record at or after that time (the log end if none). */
  atTime?: number;
}

export interface PartitionMove {
  topic: string;
  partition: number;
  /** Where the group reads next now (committed, or the log start when it never committed). */
  current: number;
  target: number;
  /** Records the group will read again (current - target when rewinding). */
  reRead: number;
  /** Records the group will skip (target - current when moving forward). */
  skipped: number;
  /** Why the target differs from what was asked (clamped to the log, no committed offset …). */
  note?: string;
}

export function describeTarget(t: ReplayTarget): string {
  if (t.kind === 'time') return `from ${new Date(t.at).toISOString()}`;
  if (t.kind === 'offset') return `to offset ${t.offset}`;
  return `shift by ${t.by > 0 ? '+' : ''}${t.by}`;
}

export function planMoves(target: ReplayTarget, positions: PartitionPosition[]): PartitionMove[] {
  return positions
    .map((p) => {
      // A group without a committed offset starts at the log start (the stages use auto.offset.reset=earliest).
      const current = p.committed ?? p.low;
      const notes: string[] = [];
      if (p.committed === null) notes.push('no committed offset (would start at the log start)');
      let wanted: number;
      if (target.kind === 'time') {
        if (p.atTime === undefined) throw new Error(`no offset for ${p.topic}:${p.partition} at ${new Date(target.at).toISOString()}`);
        wanted = p.atTime;
      } else if (target.kind === 'offset') wanted = target.offset;
      else wanted = current + target.by;
      // Like kafka-consumer-groups: a target outside the log is clamped to its start or end.
      const clamped = Math.min(p.high, Math.max(p.low, wanted));
      if (clamped !== wanted) notes.push(`${wanted} is outside the log [${p.low}, ${p.high}]; clamped to ${clamped}`);
      return {
        topic: p.topic,
        partition: p.partition,
        current,
        target: clamped,
        reRead: Math.max(0, current - clamped),
        skipped: Math.max(0, clamped - current),
        ...(notes.length ? { note: notes.join('; ') } : {}),
      };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
