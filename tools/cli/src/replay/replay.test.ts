import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Naming, RawEvent } from '@sluice/contracts';
import type { AvroSerde, RunningStage } from '@sluice/runtime';
import { BROKERS, eventually, produce, provision, rawEvent, sleep, uniquePrefix } from '../../../../test/support/kafka';
import { capturingLogger, recordingPassthrough, runStage, type Seen } from '../../test/stages';
import { createContext, withAdmin } from '../context';
import { committedOffsets, describeGroup, tpKey, watermarks } from '../kafka/offsets';
import { run } from '../program';
import { replay } from '.';

const MINUTE = 60_000;

/**
 * Writes `perPartition` old records (20 minutes ago) then `perPartition` recent ones (5 minutes ago) to
 * each of the raw topic's 6 partitions; returns the positions of the recent ones.
 */
async function seed(names: Naming, serde: AvroSerde, perPartition: number): Promise<{ recent: Set<string>; total: number }> {
  const raw = names.topic('raw');
  const now = Date.now();
  const batch = (age: number, tag: string) =>
    [0, 1, 2, 3, 4, 5].flatMap((partition) =>
      Array.from({ length: perPartition }, (_, i) => {
        const e: RawEvent = rawEvent({ id: `${tag}-${partition}-${i}`, author: { id: `a${partition}` }, occurredAt: now - age - 1000, receivedAt: now - age });
        return { topic: raw, partition, key: `twitter:a${partition}`, value: serde.encode('raw', e), timestamp: now - age + i };
      }),
    );
  await produce(batch(20 * MINUTE, 'old'));
  await produce(batch(5 * MINUTE, 'new'));
  const recent = new Set<string>();
  for (let p = 0; p < 6; p++) for (let i = 0; i < perPartition; i++) recent.add(tpKey(raw, p) + `:${perPartition + i}`);
  return { recent, total: 12 * perPartition };
}

const key = (s: Seen) => `${s.topic}:${s.partition}:${s.offset}`;

async function caughtUp(prefix: string, names: Naming): Promise<boolean> {
  const ctx = createContext({ prefix });
  return withAdmin(ctx, async (admin) => {
    const ends = await watermarks(admin, names.topic('raw'));
    const committed = await committedOffsets(admin, names.group('enrich'), [names.topic('raw')]);
    return [...ends].every(([p, w]) => (committed.get(tpKey(names.topic('raw'), p)) ?? 0) === w.high);
  });
}

async function groupState(prefix: string, group: string) {
  return withAdmin(createContext({ prefix }), (admin) => describeGroup(admin, group));
}

describe('sluice replay against the real broker and running stages', () => {
  test('a coordinated replay pauses both running instances, resets, resumes them, and they re-process exactly the replayed range without a rebalance storm', async () => {
    const prefix = uniquePrefix('cli-replay');
    const { names, serde } = await provision(prefix);
    const { recent, total } = await seed(names, serde, 5);
    const seen: Seen[] = [];
    const { logger, lines } = capturingLogger();
    const stages: RunningStage[] = [];
    try {
      for (const inst of ['inst-a', 'inst-b']) stages.push(await runStage(prefix, recordingPassthrough(seen), { clientId: inst, logger: logger.child({ inst }) }));
      await eventually(async () => seen.length >= total && (await caughtUp(prefix, names)), 60_000);
      await eventually(async () => (await groupState(prefix, names.group('enrich'))).state === 'Stable', 30_000);
      const ctx = createContext({ prefix });
      const controlEnd = async () => withAdmin(ctx, async (a) => (await watermarks(a, names.topic('control'))).get(0)!.high);

      // --dry-run: the plan, and nothing changes (no control command, no offset moves).
      const controlBefore = await controlEnd();
      const from = new Date(Date.now() - 10 * MINUTE).toISOString();
      let out = '';
      expect(await run(['--prefix', prefix, 'replay', '--group', 'enrich', '--from', from, '--dry-run', '--json'], { out: (s) => void (out += s), err: (s) => void (out += s) })).toBe(0);
      const plan = JSON.parse(out) as { dryRun: boolean; coordinated: boolean; instances: string[]; totalReRead: number; plan: Array<{ partition: number; current: number; target: number; reRead: number }>; moved: unknown[] };
      expect(plan).toMatchObject({ dryRun: true, coordinated: true, instances: ['inst-a', 'inst-b'], totalReRead: 30, moved: [] });
      expect(plan.plan.map((m) => [m.partition, m.current, m.target, m.reRead])).toEqual([0, 1, 2, 3, 4, 5].map((p) => [p, 10, 5, 5]));
      await sleep(500);
      expect(await controlEnd()).toBe(controlBefore);
      expect(await caughtUp(prefix, names)).toBe(true);
      expect(lines.filter((l) => l.msg === 'left the group')).toHaveLength(0);

      // The replay itself.
      seen.length = 0;
      const mark = lines.length;
      const result = await replay(ctx, { stage: 'enrich', target: { kind: 'time', at: Date.parse(from) }, timeoutMs: 30_000 });
      expect(result).toMatchObject({ coordinated: true, groupState: 'Stable', paused: ['inst-a', 'inst-b'], resumed: ['inst-a', 'inst-b'], totalReRead: 30, warnings: [] });
      expect(result.moved.map((m) => [m.partition, m.current, m.target, m.committedAfter])).toEqual([0, 1, 2, 3, 4, 5].map((p) => [p, 10, 5, 5]));

      // Exactly the replayed range is processed again: every recent record once, no old one.
      await eventually(async () => seen.length >= recent.size && (await caughtUp(prefix, names)), 60_000);
      await sleep(1000);
      expect(seen.map(key).sort()).toEqual([...recent].sort());
      // Both instances are back in the group (whichever rejoined first may have re-read it all).
      await eventually(async () => (await groupState(prefix, names.group('enrich'))).members.length === 2, 30_000);

      // No rebalance storm: each instance left once and rejoined once; a handful of assignments in all.
      const during = lines.slice(mark);
      for (const inst of ['inst-a', 'inst-b']) {
        expect(during.filter((l) => l.inst === inst && l.msg === 'left the group')).toHaveLength(1);
        expect(during.filter((l) => l.inst === inst && l.msg === 'rejoined the group')).toHaveLength(1);
      }
      const rebalances = during.filter((l) => l.msg === 'partitions assigned' || l.msg === 'partitions revoked');
      // Leaving: each revokes once (the second may first take over part of the first's partitions:
      // one more assign and revoke). Rejoining: one assignment each, plus one cooperative hand-over.
      expect(rebalances.length).toBeLessThanOrEqual(8);
    } finally {
      for (const s of stages) await s.stop();
    }
  }, 180_000);

  test('with the stage stopped the reset needs no control round trip, and the restarted stage reads exactly the rewound records', async () => {
    const prefix = uniquePrefix('cli-replay-stopped');
    const { names, serde } = await provision(prefix);
    const { total } = await seed(names, serde, 4);
    const seen: Seen[] = [];
    let stage = await runStage(prefix, recordingPassthrough(seen), { clientId: 'solo' });
    await eventually(async () => seen.length >= total && (await caughtUp(prefix, names)), 60_000);
    await stage.stop();

    const ctx = createContext({ prefix });
    let out = '';
    expect(await run(['--prefix', prefix, 'replay', '--group', 'enrich', '--shift-by=-3', '--topic', 'raw'], { out: (s) => void (out += s), err: (s) => void (out += s) })).toBe(0);
    expect(out).toContain(`replayed ${names.group('enrich')} (shift by -3)`);
    expect(out).toContain('re-reading 18 record(s)');
    expect(out).not.toContain('paused:');
    const committed = await withAdmin(ctx, (a) => committedOffsets(a, names.group('enrich'), [names.topic('raw')]));
    for (let p = 0; p < 6; p++) expect(committed.get(tpKey(names.topic('raw'), p))).toBe(5);

    seen.length = 0;
    stage = await runStage(prefix, recordingPassthrough(seen), { clientId: 'solo' });
    try {
      await eventually(async () => seen.length >= 18 && (await caughtUp(prefix, names)), 60_000);
      await sleep(500);
      expect(seen.map(key).sort()).toEqual([0, 1, 2, 3, 4, 5].flatMap((p) => [5, 6, 7].map((o) => `${names.topic('raw')}:${p}:${o}`)).sort());
    } finally {
      await stage.stop();
    }
  }, 120_000);

  test("Kafka's own kafka-consumer-groups reset of a stopped stage is just as safe (the command in the README)", async () => {
    const prefix = uniquePrefix('cli-replay-kcg');
    const { names, serde } = await provision(prefix);
    const { recent, total } = await seed(names, serde, 3);
    const seen: Seen[] = [];
    let stage = await runStage(prefix, recordingPassthrough(seen), { clientId: 'solo' });
    await eventually(async () => seen.length >= total && (await caughtUp(prefix, names)), 60_000);
    await stage.stop();

    const kafkaSh = path.resolve(__dirname, '../../../../deploy/kafka/kafka.sh');
    const from = new Date(Date.now() - 10 * MINUTE).toISOString().replace(/Z$/, '');
    const { stdout } = await promisify(execFile)(
      'bash',
      [kafkaSh, 'class', 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', BROKERS[0], '--group', names.group('enrich'), '--reset-offsets', '--to-datetime', from, '--topic', names.topic('raw'), '--execute'],
      { timeout: 90_000 },
    );
    expect(stdout).toContain(names.topic('raw'));

    seen.length = 0;
    stage = await runStage(prefix, recordingPassthrough(seen), { clientId: 'solo' });
    try {
      await eventually(async () => seen.length >= recent.size && (await caughtUp(prefix, names)), 60_000);
      await sleep(500);
      expect(seen.map(key).sort()).toEqual([...recent].sort());
    } finally {
      await stage.stop();
    }
  }, 150_000);

  test('an instance that does not answer the PAUSE aborts the replay with its name, and no offset moves', async () => {
    const prefix = uniquePrefix('cli-replay-deaf');
    const { names, serde } = await provision(prefix);
    const { total } = await seed(names, serde, 2);
    const seen: Seen[] = [];
    // Started without the control listener: it cannot hear the PAUSE.
    const stage = await runStage(prefix, recordingPassthrough(seen), { clientId: 'deaf-1', control: false });
    try {
      await eventually(async () => seen.length >= total && (await caughtUp(prefix, names)), 60_000);
      await eventually(async () => (await groupState(prefix, names.group('enrich'))).state === 'Stable', 30_000);
      let err = '';
      const code = await run(['--prefix', prefix, 'replay', '--group', 'enrich', '--to-offset', '0', '--timeout', '3'], { out: () => undefined, err: (s) => void (err += s) });
      expect(code).toBe(1);
      expect(err).toContain(`replay of ${names.group('enrich')} aborted, no offsets changed: deaf-1 did not acknowledge the PAUSE within 3.0s`);
      expect(await caughtUp(prefix, names)).toBe(true);
    } finally {
      await stage.stop();
    }
  }, 90_000);
});
