import { TOPICS, type DeadLetter } from '@sluice/contracts';
import { ReliableProducer, type AvroSerde, type OutRecord } from '@sluice/runtime';
import { CliError, serdeFor, withAdmin, type Admin, type CliContext } from '../context';
import { iso, sample, table } from '../format';
import { offsetsAtTime, watermarks } from '../kafka/offsets';
import { readRanges } from '../kafka/reader';
import { bytesPreview, groupDeadLetters, matchesFilter, resolveRef, type DeadLetterGroup, type Filter } from './select';

export * from './select';

/** Header a redriven record carries: the dead letter it came from (dlq topic:partition:offset). */
export const REDRIVE_HEADER = 'sluice-redrive-of';

export interface DeadLetterEntry {
  /** Position in the dead-letter topic, partition:offset. */
  position: string;
  dlqPartition: number;
  dlqOffset: number;
  stage: string;
  reason: string;
  errorType: string;
  /** Source position topic:partition:offset. */
  source: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  sourceTimestamp: number;
  deadLetteredAt: number;
  attempts: number | null;
  headers: Record<string, string>;
  key: Buffer | null;
  value: Buffer | null;
  /** The dead letter a redrive of which this record was (it failed again). */
  redriveOf: string | null;
}

async function loadDeadLetters(ctx: CliContext, admin: Admin, serde: AvroSerde): Promise<{ entries: DeadLetterEntry[]; unreadable: string[] }> {
  const topic = ctx.names.topic('dlq');
  if (!(await admin.listTopics()).includes(topic)) return { entries: [], unreadable: [] };
  const marks = await watermarks(admin, topic);
  const records = await readRanges(
    ctx.brokers,
    [...marks].map(([partition, w]) => ({ topic, partition, from: w.low, to: w.high })),
  );
  const entries: DeadLetterEntry[] = [];
  const unreadable: string[] = [];
  for (const r of records) {
    let d: DeadLetter;
    try {
      d = await serde.decode<DeadLetter>('dlq', r.value);
    } catch (e) {
      unreadable.push(`${r.partition}:${r.offset} (${(e as Error).message})`);
      continue;
    }
    entries.push({
      position: `${r.partition}:${r.offset}`,
      dlqPartition: r.partition,
      dlqOffset: r.offset,
      stage: d.stage,
      reason: d.reason,
      errorType: d.errorType,
      source: `${d.sourceTopic}:${d.sourcePartition}:${d.sourceOffset}`,
      sourceTopic: d.sourceTopic,
      sourcePartition: d.sourcePartition,
      sourceOffset: d.sourceOffset,
      sourceTimestamp: d.sourceTimestamp,
      deadLetteredAt: d.deadLetteredAt,
      attempts: d.attempts ?? null,
      headers: d.headers ?? {},
      key: d.key ?? null,
      value: d.value ?? null,
      redriveOf: d.headers?.[REDRIVE_HEADER] ?? null,
    });
  }
  entries.sort((a, b) => a.deadLetteredAt - b.deadLetteredAt || a.dlqPartition - b.dlqPartition || a.dlqOffset - b.dlqOffset);
  return { entries, unreadable };
}

function select(entries: DeadLetterEntry[], filter: Filter, ids?: string[]): DeadLetterEntry[] {
  let chosen = entries.filter((e) => matchesFilter(filter, e));
  if (ids && ids.length) {
    const picked = new Set<DeadLetterEntry>();
    for (const id of ids) {
      try {
        for (const e of resolveRef(id, chosen)) picked.add(e);
      } catch (e) {
        throw new CliError(`--ids: ${(e as Error).message}`);
      }
    }
    chosen = chosen.filter((e) => picked.has(e));
  }
  return chosen;
}

export interface DlqListing {
  topic: string;
  total: number;
  matched: number;
  groups: DeadLetterGroup[];
  /** Dead-letter records that could not be decoded (position and why). */
  unreadable: string[];
}

export async function listDeadLetters(ctx: CliContext, filter: Filter = {}): Promise<DlqListing> {
  return withAdmin(ctx, async (admin) => {
    const { entries, unreadable } = await loadDeadLetters(ctx, admin, serdeFor(ctx));
    const chosen = select(entries, filter);
    return { topic: ctx.names.topic('dlq'), total: entries.length, matched: chosen.length, groups: groupDeadLetters(chosen), unreadable };
  });
}

export function renderDlqList(l: DlqListing): string {
  if (l.total === 0) return `no dead letters in ${l.topic}`;
  const rows = l.groups.map((g) => [g.stage, g.errorType, g.count, g.reason, sample(g.sources, 2), iso(g.lastAt)]);
  const out = [table(['stage', 'error type', 'count', 'reason', 'sources (topic:partition:offset)', 'last'], rows)];
  out.push('', `${l.matched} of ${l.total} dead letter(s) in ${l.topic}; \`sluice dlq show <source or dlq position>\` shows one`);
  if (l.unreadable.length) out.push(`unreadable dead-letter records: ${sample(l.unreadable, 5)}`);
  return out.join('\n');
}

export interface DlqShow {
  entry: Omit<DeadLetterEntry, 'key' | 'value'>;
  key: { utf8: string | null; hex: string | null };
  original: {
    length: number;
    /** The value decoded with its source topic's schema, when it is valid Confluent-framed Avro. */
    decoded: unknown;
    schemaId: number | null;
    /** Why it could not be decoded. */
    problem: string | null;
    hex: string;
    utf8: string;
  };
  /** Every dead letter for the same source position (a record dead-lettered again after a redrive). */
  others: string[];
}

export async function showDeadLetter(ctx: CliContext, ref: string): Promise<DlqShow> {
  const serde = serdeFor(ctx);
  return withAdmin(ctx, async (admin) => {
    const { entries } = await loadDeadLetters(ctx, admin, serde);
    let found: DeadLetterEntry[];
    try {
      found = resolveRef(ref, entries);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const e = found[found.length - 1];
    const { key, value, ...rest } = e;
    const sourceKey = ctx.names.keyOf(e.sourceTopic);
    let decoded: unknown = null;
    let problem: string | null = null;
    if (!sourceKey || TOPICS[sourceKey].schema === null) problem = `${e.sourceTopic} is not a Sluice Avro topic under prefix "${ctx.prefix}"`;
    else {
      try {
        decoded = await serde.decode(sourceKey, value);
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    const preview = bytesPreview(value, 256);
    return {
      entry: rest,
      key: { utf8: key ? key.toString('utf8') : null, hex: key ? key.toString('hex') : null },
      original: {
        length: preview.length,
        decoded,
        schemaId: value && value.length >= 5 && value[0] === 0 ? value.readUInt32BE(1) : null,
        problem,
        hex: preview.hex,
        utf8: preview.utf8,
      },
      others: found.slice(0, -1).map((f) => f.position),
    };
  });
}

export function renderDlqShow(s: DlqShow): string {
  const e = s.entry;
  const out = [
    `dead letter ${e.position}`,
    `  stage:           ${e.stage}`,
    `  error type:      ${e.errorType}`,
    `  reason:          ${e.reason}`,
    `  source:          ${e.source} (record time ${iso(e.sourceTimestamp)})`,
    `  dead-lettered:   ${iso(e.deadLetteredAt)} after ${e.attempts ?? '?'} attempt(s)`,
    `  key:             ${s.key.utf8 === null ? '(none)' : JSON.stringify(s.key.utf8)}`,
    `  headers:         ${Object.keys(e.headers).length ? Object.entries(e.headers).map(([k, v]) => `${k}=${v}`).join(', ') : '(none)'}`,
  ];
  if (e.redriveOf) out.push(`  redrive of:      ${e.redriveOf} (failed again after a redrive)`);
  if (s.others.length) out.push(`  also dead-lettered at: ${s.others.join(', ')}`);
  if (s.original.problem === null) {
    out.push('', `original value (${s.original.length} bytes, schema id ${s.original.schemaId}):`, JSON.stringify(s.original.decoded, null, 2));
  } else {
    out.push('', `original value (${s.original.length} bytes) is not readable as Avro: ${s.original.problem}`, `  hex:  ${s.original.hex || '(empty)'}`, `  utf8: ${s.original.utf8 || '(empty)'}`);
  }
  return out.join('\n');
}

export interface RedriveOptions extends Filter {
  ids?: string[];
  /** Redrive every dead letter (needed when no other selector is given). */
  all?: boolean;
  dryRun?: boolean;
}

export interface RedriveItem {
  /** The dead letter: dlq partition:offset. */
  position: string;
  source: string;
  stage: string;
  reason: string;
}

export interface RedriveResult {
  dryRun: boolean;
  selected: number;
  /** Sent to their source topics now (or that would be, on a dry run). */
  redriven: RedriveItem[];
  /** Skipped: their source topic already holds a record carrying their redrive header. */
  alreadyRedriven: RedriveItem[];
}

/**
 * Re-produces the original key, value and headers of the selected dead letters to their source topic
 * and partition, exactly once across runs. Each redriven record carries a header naming its dead letter
 * (sluice-redrive-of: <dlq topic>:<partition>:<offset>); before sending, the source partitions are
 * scanned from the earliest dead-lettering time for that header and those already there are skipped.
 * The marker is the redriven record itself, written in the same produce, so there is no window in which
 * a crash leaves a record delivered but unmarked (a separate marker topic would have one).
 */
export async function redriveDeadLetters(ctx: CliContext, opts: RedriveOptions): Promise<RedriveResult> {
  if (!opts.all && opts.stage === undefined && opts.reasonContains === undefined && !opts.ids?.length) {
    throw new CliError('say which dead letters to redrive: --stage, --reason-contains, --ids, or --all for every one');
  }
  const dlqTopic = ctx.names.topic('dlq');
  const serde = serdeFor(ctx);
  return withAdmin(ctx, async (admin) => {
    const { entries } = await loadDeadLetters(ctx, admin, serde);
    const chosen = select(entries, opts, opts.ids);
    const marker = (e: DeadLetterEntry) => `${dlqTopic}:${e.dlqPartition}:${e.dlqOffset}`;
    const item = (e: DeadLetterEntry): RedriveItem => ({ position: e.position, source: e.source, stage: e.stage, reason: e.reason });

    const existing = new Set(await admin.listTopics());
    for (const t of new Set(chosen.map((e) => e.sourceTopic))) if (!existing.has(t)) throw new CliError(`source topic ${t} of the selected dead letters does not exist`);
    const done = await redrivenMarkers(ctx, admin, chosen);
    const todo = chosen.filter((e) => !done.has(marker(e)));
    const result: RedriveResult = { dryRun: !!opts.dryRun, selected: chosen.length, redriven: todo.map(item), alreadyRedriven: chosen.filter((e) => done.has(marker(e))).map(item) };
    if (opts.dryRun || todo.length === 0) return result;

    const partitionsOf = new Map<string, number>();
    for (const t of new Set(todo.map((e) => e.sourceTopic))) partitionsOf.set(t, (await watermarks(admin, t)).size);
    const records: OutRecord[] = todo.map((e) => ({
      topic: e.sourceTopic,
      // Back to the partition it came from, keeping its place in the key's order (if the topic still has it).
      partition: e.sourcePartition < (partitionsOf.get(e.sourceTopic) ?? 0) ? e.sourcePartition : undefined,
      key: e.key,
      value: e.value,
      headers: { ...e.headers, [REDRIVE_HEADER]: marker(e) },
    }));
    const producer = new ReliableProducer({ brokers: ctx.brokers, clientId: `sluice-cli-redrive-${process.pid}`, logger: ctx.logger });
    await producer.connect();
    try {
      await producer.send(records);
    } finally {
      await producer.disconnect();
    }
    return result;
  });
}

/** Redrive headers already present in the source partitions of the given dead letters. */
async function redrivenMarkers(ctx: CliContext, admin: Admin, entries: DeadLetterEntry[]): Promise<Set<string>> {
  const byTopic = new Map<string, DeadLetterEntry[]>();
  for (const e of entries) byTopic.set(e.sourceTopic, [...(byTopic.get(e.sourceTopic) ?? []), e]);
  const ranges = [];
  for (const [topic, list] of byTopic) {
    // A redrive happens after the dead-lettering, so nothing older can carry the header.
    const since = Math.min(...list.map((e) => e.deadLetteredAt));
    const starts = await offsetsAtTime(admin, topic, since);
    const marks = await watermarks(admin, topic);
    // Records redriven without a partition (the source partition no longer exists) may be anywhere.
    const partitions = new Set(list.map((e) => (marks.has(e.sourcePartition) ? e.sourcePartition : -1)));
    const all = partitions.has(-1);
    for (const [partition, w] of marks) if (all || partitions.has(partition)) ranges.push({ topic, partition, from: starts.get(partition) ?? w.high, to: w.high });
  }
  const found = new Set<string>();
  for (const r of await readRanges(ctx.brokers, ranges)) if (r.headers[REDRIVE_HEADER]) found.add(r.headers[REDRIVE_HEADER]);
  return found;
}

export function renderRedrive(r: RedriveResult): string {
  const out: string[] = [];
  const verb = r.dryRun ? 'would redrive' : 'redrove';
  out.push(`${r.selected} dead letter(s) selected; ${verb} ${r.redriven.length}; ${r.alreadyRedriven.length} already redriven (skipped)`);
  if (r.redriven.length) out.push('', table(['dead letter', 'to source', 'stage', 'reason'], r.redriven.map((i) => [i.position, i.source, i.stage, i.reason.slice(0, 80)])));
  if (r.alreadyRedriven.length) out.push('', `already redriven: ${sample(r.alreadyRedriven.map((i) => i.position), 10)}`);
  return out.join('\n');
}
