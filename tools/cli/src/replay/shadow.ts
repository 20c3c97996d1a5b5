import { randomBytes } from 'node:crypto';
import { naming, STAGE_INPUTS, TOPICS, type Alert, type DeadLetter, type GroupStage, type TopicKey } from '@sluice/contracts';
import { startStage, type StageDefinition } from '@sluice/runtime';
import { CliError, serdeFor, withAdmin, type Admin, type CliContext } from '../context';
import { duration, iso, sample, table } from '../format';
import { commitGroupOffsets, committedOffsets, offsetsAtTime, tpKey, watermarks } from '../kafka/offsets';
import { readRanges, type PartitionRange, type ReadRecord } from '../kafka/reader';
import { ensureTopicsReady } from '../kafka/topics';
import { alertInRange, compareOutputs, joinKeyOf, type OutputComparison } from './compare';
import { shadowStage } from './stages';

export interface ShadowOptions {
  stage: GroupStage;
  /** Input range by record time: [from, to). `to` defaults to the log end when the replay starts. */
  from: number;
  to?: number;
  /** Names the shadow topics and group (prefix shadow.<runId>); random by default. */
  runId?: string;
  /** The logic to try; defaults to the stage's current logic from SHADOW_STAGES. */
  define?: () => Promise<StageDefinition<any>>;
  /** Longest the shadow stage may take to reach the end of the range (ms). */
  timeoutMs?: number;
  /** Delete the shadow topics and group afterwards. */
  cleanup?: boolean;
}

export interface DeadLetterChange {
  /** Source position topic:partition:offset. */
  source: string;
  reason: string;
}

export interface ShadowReport {
  runId: string;
  stage: GroupStage;
  shadowPrefix: string;
  shadowGroup: string;
  from: number;
  to: number | null;
  inputs: PartitionRange[];
  inputRecords: number;
  outputs: OutputComparison[];
  deadLetters: { original: number; shadow: number; appear: DeadLetterChange[]; disappear: DeadLetterChange[] };
  elapsedMs: number;
  cleanedUp: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a stage's logic over a past input range into shadow topics (prefix shadow.<runId>, its own
 * group), then compares what it produced with what the live stage produced for the same inputs.
 * Nothing live is touched: the shadow reads the live inputs and writes only under its prefix.
 */
export async function shadowReplay(ctx: CliContext, opts: ShadowOptions): Promise<ShadowReport> {
  const started = Date.now();
  if (opts.to !== undefined && opts.to <= opts.from) throw new CliError(`--to ${iso(opts.to)} is not after --from ${iso(opts.from)}`);
  const def = opts.define ? await opts.define() : await shadowStage(opts.stage, { brokers: ctx.brokers, logger: ctx.logger });
  if (def.stage !== opts.stage) throw new CliError(`the stage definition is for ${def.stage}, not ${opts.stage}`);
  const runId = opts.runId ?? `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new CliError(`--run-id "${runId}" may hold only letters, digits, _ and -`);
  const shadowNames = naming(`${ctx.names.prefix}shadow.${runId}`);
  const shadowGroup = shadowNames.group(opts.stage);
  const inputs = def.inputs ?? STAGE_INPUTS[opts.stage];
  const outputs = def.outputs.filter((k) => TOPICS[k].schema !== null);
  const serde = serdeFor(ctx);

  return withAdmin(ctx, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const ranges: PartitionRange[] = [];
    for (const key of inputs) {
      const topic = ctx.names.topic(key);
      if (!existing.has(topic)) throw new CliError(`input topic ${topic} of ${opts.stage} does not exist`);
      const start = await offsetsAtTime(admin, topic, opts.from);
      const stop = opts.to === undefined ? new Map([...(await watermarks(admin, topic))].map(([p, w]) => [p, w.high])) : await offsetsAtTime(admin, topic, opts.to);
      for (const [partition, from] of start) ranges.push({ topic, partition, from, to: Math.max(from, stop.get(partition) ?? from) });
    }
    const stopAt = new Map(ranges.map((r) => [tpKey(r.topic, r.partition), r.to]));
    // Output positions before the shadow starts: originals are read from the range start up to here.
    const originalEnds = new Map<TopicKey, Map<number, number>>();
    for (const key of [...outputs, 'dlq' as const]) {
      if (existing.has(ctx.names.topic(key))) originalEnds.set(key, new Map([...(await watermarks(admin, ctx.names.topic(key)))].map(([p, w]) => [p, w.high])));
    }

    // Created here, before the stage starts, so a slow metadata propagation is waited out (see ensureTopicsReady).
    await ensureTopicsReady(admin, shadowNames, [...new Set<TopicKey>([...def.outputs, 'dlq', 'control'])]);
    // The shadow group starts at the range start (seeded before any consumer joins it).
    await commitGroupOffsets(ctx.brokers, shadowGroup, ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.from })));
    // The definition itself, with only its handler narrowed (a prototype link keeps getters and `this` working).
    const bounded = Object.create(def) as StageDefinition<any>;
    // Records past the range end are consumed (and committed) but not handled.
    bounded.handle = (batch, stageCtx) => {
      const inRange = batch.filter((r) => r.offset < (stopAt.get(tpKey(r.topic, r.partition)) ?? 0));
      return inRange.length ? def.handle(inRange, stageCtx) : Promise.resolve({});
    };
    const running = await startStage(bounded, {
      brokers: ctx.brokers,
      registryUrl: ctx.registryUrl,
      prefix: shadowNames.prefix,
      inputPrefix: ctx.prefix,
      control: false,
      lagIntervalMs: 0,
      logger: ctx.logger,
      clientId: `shadow-${runId}`,
    });
    try {
      await waitForRangeEnd(admin, shadowGroup, ranges, opts.timeoutMs ?? 600_000, running.failed);
    } finally {
      await running.stop();
    }

    const inputRecords = await readRanges(ctx.brokers, ranges);
    const inputIds = new Set<string>();
    for (const r of inputRecords) {
      const id = await decodeOrNull(serde, keyOfTopic(ctx, r.topic), r.value).then((v) => (v === null ? undefined : joinKeyOf(keyOfTopic(ctx, r.topic), v)));
      if (id !== undefined) inputIds.add(id);
    }
    const inRange = (topic: string, partition: number, offset: number) => ranges.some((r) => r.topic === topic && r.partition === partition && offset >= r.from && offset < r.to);
    const fromTs = opts.from;
    const toTs = opts.to ?? Date.now();

    const comparisons: OutputComparison[] = [];
    for (const key of outputs.filter((k) => k !== 'dlq')) {
      const original = new Map<string, unknown>();
      const ends = originalEnds.get(key);
      if (ends) {
        for (const rec of await readFrom(admin, ctx, ctx.names.topic(key), opts.from, ends)) {
          const v = await decodeOrNull(serde, key, rec.value);
          const id = v === null ? undefined : joinKeyOf(key, v);
          if (id === undefined) continue;
          const belongs = key === 'alerts' ? alertInRange(v as Alert, inputIds, fromTs, toTs) : inputIds.has(id);
          if (belongs) original.set(id, v); // the latest output for an id wins (redeliveries, earlier replays)
        }
      }
      const shadow = new Map<string, unknown>();
      for (const rec of await readAll(admin, ctx, shadowNames.topic(key))) {
        const v = await decodeOrNull(serde, key, rec.value);
        const id = v === null ? undefined : joinKeyOf(key, v);
        if (id !== undefined) shadow.set(id, v);
      }
      comparisons.push(compareOutputs(key, original, shadow));
    }

    const deadOriginal = new Map<string, string>();
    const dlqEnds = originalEnds.get('dlq');
    if (dlqEnds) {
      for (const rec of await readFrom(admin, ctx, ctx.names.topic('dlq'), opts.from, dlqEnds)) {
        const d = await decodeOrNull<DeadLetter>(serde, 'dlq', rec.value);
        if (d && d.stage === opts.stage && inRange(d.sourceTopic, d.sourcePartition, d.sourceOffset)) deadOriginal.set(`${d.sourceTopic}:${d.sourcePartition}:${d.sourceOffset}`, d.reason);
      }
    }
    const deadShadow = new Map<string, string>();
    for (const rec of await readAll(admin, ctx, shadowNames.topic('dlq'))) {
      const d = await decodeOrNull<DeadLetter>(serde, 'dlq', rec.value);
      if (d) deadShadow.set(`${d.sourceTopic}:${d.sourcePartition}:${d.sourceOffset}`, d.reason);
    }

    let cleanedUp = false;
    if (opts.cleanup) {
      const shadowTopics = (await admin.listTopics()).filter((t) => t.startsWith(shadowNames.prefix));
      if (shadowTopics.length) await admin.deleteTopics({ topics: shadowTopics });
      await admin.deleteGroups([shadowGroup]).catch(() => undefined);
      cleanedUp = true;
    }

    return {
      runId,
      stage: opts.stage,
      shadowPrefix: shadowNames.prefix,
      shadowGroup,
      from: opts.from,
      to: opts.to ?? null,
      inputs: ranges,
      inputRecords: inputRecords.length,
      outputs: comparisons,
      deadLetters: {
        original: deadOriginal.size,
        shadow: deadShadow.size,
        appear: [...deadShadow].filter(([s]) => !deadOriginal.has(s)).map(([source, reason]) => ({ source, reason })),
        disappear: [...deadOriginal].filter(([s]) => !deadShadow.has(s)).map(([source, reason]) => ({ source, reason })),
      },
      elapsedMs: Date.now() - started,
      cleanedUp,
    };
  });
}

function keyOfTopic(ctx: CliContext, topic: string): TopicKey {
  const key = ctx.names.keyOf(topic);
  if (!key) throw new Error(`${topic} is not a Sluice topic under prefix "${ctx.prefix}"`);
  return key;
}

async function decodeOrNull<T = unknown>(serde: ReturnType<typeof serdeFor>, key: TopicKey, value: Buffer | null): Promise<T | null> {
  try {
    return await serde.decode<T>(key, value);
  } catch {
    return null;
  }
}

/** Waits until the shadow group committed the end of the range on every partition. */
async function waitForRangeEnd(admin: Admin, group: string, ranges: PartitionRange[], timeoutMs: number, failed: Promise<Error>): Promise<void> {
  const state: { failure?: Error } = {};
  void failed.then((e) => (state.failure = e));
  const topics = [...new Set(ranges.map((r) => r.topic))];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (state.failure) throw new CliError(`the shadow stage failed: ${state.failure.message}`);
    const committed = await committedOffsets(admin, group, topics);
    const behind = ranges.filter((r) => (committed.get(tpKey(r.topic, r.partition)) ?? r.from) < r.to);
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new CliError(`the shadow stage did not reach the end of the range within ${duration(timeoutMs / 1000)}; behind on ${sample(behind.map((r) => `${r.topic}:${r.partition}`))}`);
    }
    await sleep(300);
  }
}

async function readFrom(admin: Admin, ctx: CliContext, topic: string, from: number, ends: Map<number, number>): Promise<ReadRecord[]> {
  const starts = await offsetsAtTime(admin, topic, from);
  return readRanges(
    ctx.brokers,
    [...ends].map(([partition, to]) => ({ topic, partition, from: Math.min(starts.get(partition) ?? to, to), to })),
  );
}

async function readAll(admin: Admin, ctx: CliContext, topic: string): Promise<ReadRecord[]> {
  if (!(await admin.listTopics()).includes(topic)) return [];
  const marks = await watermarks(admin, topic);
  return readRanges(
    ctx.brokers,
    [...marks].map(([partition, w]) => ({ topic, partition, from: w.low, to: w.high })),
  );
}

export function renderShadow(r: ShadowReport, limit = 20): string {
  const out: string[] = [];
  out.push(`shadow replay ${r.runId} of ${r.stage}: inputs from ${iso(r.from)} to ${r.to === null ? 'the log end at start' : iso(r.to)}`);
  out.push(`${r.inputRecords} input record(s); shadow topics under ${r.shadowPrefix} (group ${r.shadowGroup})${r.cleanedUp ? ', deleted afterwards' : ''}; took ${duration(r.elapsedMs / 1000)}`);
  for (const c of r.outputs) {
    out.push('', `${c.topic} (joined by ${c.joinedBy}): original ${c.original}, shadow ${c.shadow}, unchanged ${c.unchanged}, changed ${c.changed.length}`);
    const fields = Object.entries(c.fieldCounts).sort((a, b) => b[1] - a[1]);
    if (fields.length) out.push(table(['changed field', 'records'], fields));
    for (const ch of c.changed.slice(0, limit)) {
      out.push(`  ${ch.id}: ${ch.fields.map((f) => `${f.path} ${short(f.before)} -> ${short(f.after)}`).join('; ')}`);
    }
    if (c.changed.length > limit) out.push(`  … and ${c.changed.length - limit} more (--json lists all)`);
    const appear = c.topic === 'alerts' ? 'would appear' : 'only in shadow';
    const disappear = c.topic === 'alerts' ? 'would disappear' : 'only in original';
    if (c.onlyInShadow.length) out.push(`  ${appear} (${c.onlyInShadow.length}): ${sample(c.onlyInShadow, limit)}`);
    if (c.onlyInOriginal.length) out.push(`  ${disappear} (${c.onlyInOriginal.length}): ${sample(c.onlyInOriginal, limit)}`);
    for (const [path, v] of Object.entries(c.versionChanges)) out.push(`  version ${path}: ${v.before.join(', ')} -> ${v.after.join(', ')}`);
  }
  const d = r.deadLetters;
  out.push('', `dead letters: original ${d.original}, shadow ${d.shadow}`);
  for (const x of d.appear.slice(0, limit)) out.push(`  would be dead-lettered: ${x.source}: ${x.reason}`);
  for (const x of d.disappear.slice(0, limit)) out.push(`  no longer dead-lettered: ${x.source} (was: ${x.reason})`);
  return out.join('\n');
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'null';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
