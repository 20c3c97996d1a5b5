/** Dead-letter references, filters and grouping: pure functions. */

export type DeadLetterRef =
  /** The position the record had in its source topic (the dead letter's key). */
  | { kind: 'source'; topic: string; partition: number; offset: number }
  /** The dead letter's own position in the dead-letter topic (partition unknown: any partition). */
  | { kind: 'dlq'; partition?: number; offset: number };

const NAT = /^\d+$/;

export function parseRef(ref: string): DeadLetterRef {
  const parts = ref.trim().split(':');
  if (parts.length === 3 && parts[0] && NAT.test(parts[1]) && NAT.test(parts[2])) return { kind: 'source', topic: parts[0], partition: Number(parts[1]), offset: Number(parts[2]) };
  if (parts.length === 2 && NAT.test(parts[0]) && NAT.test(parts[1])) return { kind: 'dlq', partition: Number(parts[0]), offset: Number(parts[1]) };
  if (parts.length === 1 && NAT.test(parts[0])) return { kind: 'dlq', offset: Number(parts[0]) };
  throw new Error(`"${ref}" is not a dead-letter reference; expected <source topic>:<partition>:<offset>, <dlq partition>:<offset> or <dlq offset>`);
}

export interface Positioned {
  dlqPartition: number;
  dlqOffset: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
}

export function matchesRef(ref: DeadLetterRef, e: Positioned): boolean {
  if (ref.kind === 'source') return e.sourceTopic === ref.topic && e.sourcePartition === ref.partition && e.sourceOffset === ref.offset;
  return e.dlqOffset === ref.offset && (ref.partition === undefined || e.dlqPartition === ref.partition);
}

/** The entries a reference names; a source position dead-lettered twice names both, newest last. */
export function resolveRef<T extends Positioned>(ref: string, entries: T[]): T[] {
  const parsed = parseRef(ref);
  const found = entries.filter((e) => matchesRef(parsed, e));
  if (found.length === 0) throw new Error(`no dead letter at ${ref}`);
  if (parsed.kind === 'dlq' && parsed.partition === undefined && found.length > 1) {
    throw new Error(`dead-letter offset ${ref} exists in partitions ${found.map((f) => f.dlqPartition).join(', ')}; say which as <partition>:<offset>`);
  }
  return found;
}

/** A reason with its record-specific parts (numbers, offending values) blurred, so alike failures group. */
export function reasonPattern(reason: string): string {
  return reason
    .replace(/got .*?(?=;|$)/g, 'got …')
    .replace(/\d+/g, '#')
    .slice(0, 300);
}

export interface Filter {
  stage?: string;
  reasonContains?: string;
}

export function matchesFilter(f: Filter, e: { stage: string; reason: string }): boolean {
  if (f.stage !== undefined && e.stage !== f.stage) return false;
  if (f.reasonContains !== undefined && !e.reason.toLowerCase().includes(f.reasonContains.toLowerCase())) return false;
  return true;
}

export interface Groupable extends Positioned {
  stage: string;
  errorType: string;
  reason: string;
  deadLetteredAt: number;
}

export interface DeadLetterGroup {
  stage: string;
  errorType: string;
  /** The reason with record-specific values blurred. */
  reason: string;
  /** One full reason of the group. */
  example: string;
  count: number;
  firstAt: number;
  lastAt: number;
  /** Source positions topic:partition:offset. */
  sources: string[];
  /** Dead-letter positions partition:offset. */
  positions: string[];
}

export function groupDeadLetters(entries: Groupable[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetterGroup>();
  for (const e of entries) {
    const reason = reasonPattern(e.reason);
    const key = `${e.stage}\u0000${e.errorType}\u0000${reason}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { stage: e.stage, errorType: e.errorType, reason, example: e.reason, count: 0, firstAt: e.deadLetteredAt, lastAt: e.deadLetteredAt, sources: [], positions: [] }));
    g.count++;
    g.firstAt = Math.min(g.firstAt, e.deadLetteredAt);
    g.lastAt = Math.max(g.lastAt, e.deadLetteredAt);
    g.sources.push(`${e.sourceTopic}:${e.sourcePartition}:${e.sourceOffset}`);
    g.positions.push(`${e.dlqPartition}:${e.dlqOffset}`);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason));
}

/** Printable preview of bytes: hex of the first `n` bytes and the UTF-8 text with control characters escaped. */
export function bytesPreview(b: Buffer | null | undefined, n = 64): { length: number; hex: string; utf8: string } {
  if (!b) return { length: 0, hex: '', utf8: '' };
  const head = b.subarray(0, n);
  const utf8 = head
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return { length: b.length, hex: head.toString('hex').replace(/(..)/g, '$1 ').trim() + (b.length > n ? ' …' : ''), utf8: utf8 + (b.length > n ? '…' : '') };
}
