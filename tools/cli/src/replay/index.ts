import type { GroupStage } from '@sluice/contracts';
import { CliError, stageInputs, withAdmin, type Admin, type CliContext } from '../context';
import { duration, table } from '../format';
import { commitGroupOffsets, committedOffsets, describeGroup, GroupNotEmptyError, isEmptyGroup, offsetsAtTime, tpKey, watermarks } from '../kafka/offsets';
import { ControlChannel } from './control';
import { describeTarget, planMoves, type PartitionMove, type PartitionPosition, type ReplayTarget } from './plan';

export * from './plan';

export interface ReplayOptions {
  stage: GroupStage;
  target: ReplayTarget;
  /** One input topic of the stage (key or full name); all of them by default. */
  topic?: string;
  dryRun?: boolean;
  /** How long the instances have to acknowledge and the group to empty (ms). */
  timeoutMs?: number;
}

export interface AppliedMove extends PartitionMove {
  /** The group's committed offset read back after the reset. */
  committedAfter: number | null;
}

export interface ReplayResult {
  stage: GroupStage;
  group: string;
  topics: string[];
  target: string;
  dryRun: boolean;
  /** Group state when the replay started (Stable: running instances; Empty/Dead: stage stopped). */
  groupState: string;
  /** Members (instance ids) when the replay started. */
  instances: string[];
  /** Whether the running instances were paused through the control topic. */
  coordinated: boolean;
  paused: string[];
  resumed: string[];
  /** The plan: per partition, where the group is and where it goes. */
  plan: PartitionMove[];
  /** What moved (empty on a dry run). */
  moved: AppliedMove[];
  totalReRead: number;
  totalSkipped: number;
  /** How long the group had no consumers (PAUSE sent to RESUME acknowledged), when coordinated. */
  pausedForMs: number | null;
  warnings: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An instance ACKs right after it left the group; this long after the group emptied, a silent one is gone. */
const ACK_GRACE_MS = 5000;

async function positionsOf(admin: Admin, group: string, topics: string[], target: ReplayTarget): Promise<PartitionPosition[]> {
  const committed = await committedOffsets(admin, group, topics);
  const out: PartitionPosition[] = [];
  for (const topic of topics) {
    const marks = await watermarks(admin, topic);
    const atTime = target.kind === 'time' ? await offsetsAtTime(admin, topic, target.at) : undefined;
    for (const [partition, { low, high }] of marks) {
      out.push({ topic, partition, committed: committed.get(tpKey(topic, partition)) ?? null, low, high, atTime: atTime?.get(partition) });
    }
  }
  return out;
}

/**
 * Coordinated replay: PAUSE the running instances through the control topic (each finishes its
 * in-flight work, commits, leaves the group and ACKs), wait until every instance answered and the
 * group is empty, reset the group's offsets, RESUME. With the stage stopped (group empty) the control
 * round trip is skipped: the reset alone is safe, as it is with kafka-consumer-groups.
 */
export async function replay(ctx: CliContext, opts: ReplayOptions): Promise<ReplayResult> {
  if (opts.stage === 'persist' && !opts.dryRun) {
    // persist resumes from the offsets it stores in PostgreSQL with its rows, so a reset of its Kafka
    // group would be ignored; history is re-derived by replaying an upstream stage instead.
    throw new CliError('persist keeps its position in PostgreSQL with its rows, so resetting its Kafka group changes nothing; replay --group enrich or --group score and the re-derived records update the stored rows in place');
  }
  const group = ctx.names.group(opts.stage);
  const topics = stageInputs(ctx, opts.stage, opts.topic).map((k) => ctx.names.topic(k));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return withAdmin(ctx, async (admin) => {
    const existing = new Set(await admin.listTopics());
    for (const t of topics) if (!existing.has(t)) throw new CliError(`input topic ${t} of ${opts.stage} does not exist; create it with \`sluice topics --create\``);
    const before = await describeGroup(admin, group);
    const plan = planMoves(opts.target, await positionsOf(admin, group, topics, opts.target));
    const result: ReplayResult = {
      stage: opts.stage,
      group,
      topics,
      target: describeTarget(opts.target),
      dryRun: !!opts.dryRun,
      groupState: before.state,
      instances: before.members,
      coordinated: !isEmptyGroup(before.state),
      paused: [],
      resumed: [],
      plan,
      moved: [],
      totalReRead: plan.reduce((s, m) => s + m.reRead, 0),
      totalSkipped: plan.reduce((s, m) => s + m.skipped, 0),
      pausedForMs: null,
      warnings: [],
    };
    if (opts.dryRun) return result;

    let channel: ControlChannel | null = null;
    const pausedAt = Date.now();
    try {
      if (result.coordinated) {
        channel = new ControlChannel(ctx, admin);
        await channel.open();
        result.paused = await pauseGroup(channel, admin, group, before.members, timeoutMs, result.warnings);
      }
      // Offsets are final only now that nobody consumes: plan again from them (matters for --shift-by).
      const moves = planMoves(opts.target, await positionsOf(admin, group, topics, opts.target));
      try {
        await commitGroupOffsets(ctx.brokers, group, moves.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.target })));
      } catch (e) {
        if (e instanceof GroupNotEmptyError) {
          const now = await describeGroup(admin, group);
          throw new CliError(`${e.message}; instances ${now.members.join(', ') || '(none listed)'} joined during the replay. No offsets changed.`);
        }
        throw e;
      }
      const after = await committedOffsets(admin, group, topics);
      result.moved = moves.map((m) => ({ ...m, committedAfter: after.get(tpKey(m.topic, m.partition)) ?? null }));
      result.plan = moves;
      result.totalReRead = moves.reduce((s, m) => s + m.reRead, 0);
      result.totalSkipped = moves.reduce((s, m) => s + m.skipped, 0);
      for (const m of result.moved) {
        if (m.committedAfter !== m.target) result.warnings.push(`${m.topic}:${m.partition} reads back ${m.committedAfter} after the reset, expected ${m.target}`);
      }
    } finally {
      if (channel) {
        // Resume whoever paused, also when the reset failed: a replay never leaves a stage stopped.
        try {
          if (result.paused.length) result.resumed = await resumeGroup(channel, group, result.paused, timeoutMs, result.warnings);
          result.pausedForMs = Date.now() - pausedAt;
        } finally {
          await channel.close();
        }
      }
    }
    return result;
  });
}

async function pauseGroup(channel: ControlChannel, admin: Admin, group: string, members: string[], timeoutMs: number, warnings: string[]): Promise<string[]> {
  const ids = [await channel.send('PAUSE', group)];
  const asked = new Set(members);
  const deadline = Date.now() + timeoutMs;
  let emptySince: number | null = null;
  for (;;) {
    await channel.collect();
    const acked = channel.ackedBy(ids);
    const now = await describeGroup(admin, group);
    // An instance that joined after the PAUSE started listening after it too: ask again.
    const late = now.members.filter((m) => !asked.has(m));
    if (late.length) {
      ids.push(await channel.send('PAUSE', group));
      for (const m of late) asked.add(m);
    }
    const silent = [...asked].filter((m) => !acked.has(m)).sort();
    if (isEmptyGroup(now.state)) {
      if (silent.length === 0) return [...acked].sort();
      emptySince ??= Date.now();
      if (Date.now() - emptySince > ACK_GRACE_MS) {
        warnings.push(`${silent.join(', ')} left the group without acknowledging the PAUSE (stopped or crashed meanwhile)`);
        return [...acked].sort();
      }
    } else emptySince = null;
    if (Date.now() > deadline) {
      const stuck = now.members.filter((m) => !acked.has(m));
      const pausedOnes = [...acked];
      if (pausedOnes.length) await resumeGroup(channel, group, pausedOnes, Math.min(timeoutMs, 10_000), warnings).catch(() => undefined);
      throw new CliError(
        `replay of ${group} aborted, no offsets changed: ${stuck.length ? stuck.join(', ') : silent.join(', ')} did not acknowledge the PAUSE within ${duration(timeoutMs / 1000)} ` +
          `(group state ${now.state}, members ${now.members.join(', ') || 'none'}). ` +
          (pausedOnes.length ? `${pausedOnes.join(', ')} had paused and were told to resume. ` : '') +
          'Instances that do not listen on the control topic (not a Sluice stage, or started with control off) must be stopped before a replay.',
      );
    }
  }
}

async function resumeGroup(channel: ControlChannel, group: string, paused: string[], timeoutMs: number, warnings: string[]): Promise<string[]> {
  const id = await channel.send('RESUME', group);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await channel.collect();
    const acked = channel.ackedBy([id]);
    const missing = paused.filter((p) => !acked.has(p));
    if (missing.length === 0) return [...acked].sort();
    if (Date.now() > deadline) {
      warnings.push(`${missing.join(', ')} did not acknowledge the RESUME within ${duration(timeoutMs / 1000)}; check that they rejoined (sluice lag shows the group's members)`);
      return [...acked].sort();
    }
    await sleep(0);
  }
}

export function renderReplay(r: ReplayResult): string {
  const out: string[] = [];
  const head = r.dryRun ? `replay plan for ${r.group} (${r.target}) — dry run, nothing changed` : `replayed ${r.group} (${r.target})`;
  out.push(head);
  out.push(
    `group ${r.groupState}${r.instances.length ? ` with ${r.instances.length} instance(s): ${r.instances.join(', ')}` : ''}` +
      (r.dryRun
        ? r.coordinated
          ? ' — would PAUSE them through the control topic, reset, RESUME'
          : ' — stage stopped: reset only, no control round trip'
        : r.coordinated
          ? ''
          : ' — stage stopped: reset directly, no control round trip'),
  );
  out.push('');
  if (r.dryRun || r.moved.length === 0) {
    out.push(table(['topic', 'partition', 'current', 'target', 're-read', 'skip', 'note'], r.plan.map((m) => [m.topic, m.partition, m.current, m.target, m.reRead, m.skipped, m.note ?? ''])));
  } else {
    out.push(
      table(
        ['topic', 'partition', 'from', 'to', 'moved', 're-read', 'committed now', 'note'],
        r.moved.map((m) => [m.topic, m.partition, m.current, m.target, m.target - m.current, m.reRead, m.committedAfter, m.note ?? '']),
      ),
    );
  }
  out.push('', `${r.dryRun ? 'would re-read' : 're-reading'} ${r.totalReRead} record(s)${r.totalSkipped ? `, skipping ${r.totalSkipped}` : ''}`);
  if (!r.dryRun && r.coordinated) out.push(`paused: ${r.paused.join(', ') || 'none'}; resumed: ${r.resumed.join(', ') || 'none'}; group had no consumers for ${duration((r.pausedForMs ?? 0) / 1000)}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}
