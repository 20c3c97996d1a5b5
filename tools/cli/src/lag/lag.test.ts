import { naming } from '@sluice/contracts';
import { ensureTopics, kafkaAdminClient } from '@sluice/runtime';
import { BROKERS, produce, uniquePrefix } from '../../../../test/support/kafka';
import { createContext } from '../context';
import { commitGroupOffsets } from '../kafka/offsets';
import { run } from '../program';
import { measureLag } from '.';

describe('sluice lag against the real broker', () => {
  test('records and seconds behind per partition match known committed offsets, and the drain rate the commits made meanwhile', async () => {
    const prefix = uniquePrefix('cli-lag');
    const names = naming(prefix);
    const admin = kafkaAdminClient(BROKERS, 'cli-lag-test');
    await admin.connect();
    await ensureTopics(admin, names, ['raw']);
    await admin.disconnect();
    const raw = names.topic('raw');
    const group = names.group('enrich');

    // 20 records on each of partitions 0..2, one minute apart, ending ten minutes ago.
    const base = Date.now() - 30 * 60_000;
    const at = (offset: number) => base + offset * 60_000;
    await produce([0, 1, 2].flatMap((partition) => Array.from({ length: 20 }, (_, o) => ({ topic: raw, partition, key: `k${partition}`, value: Buffer.from(`v${o}`), timestamp: at(o) }))));
    // Known positions: p0 read 5, p1 read everything, p2 read 12; partitions 3..5 are empty and never read.
    await commitGroupOffsets(BROKERS, group, [
      { topic: raw, partition: 0, offset: 5 },
      { topic: raw, partition: 1, offset: 20 },
      { topic: raw, partition: 2, offset: 12 },
    ]);

    const ctx = createContext({ prefix });
    // While the two samples are taken, the group consumes 6 more records on p2.
    const consuming = new Promise((r) => setTimeout(r, 300)).then(() => commitGroupOffsets(BROKERS, group, [{ topic: raw, partition: 2, offset: 18 }]));
    const t0 = Date.now();
    const report = await measureLag(ctx, { stage: 'enrich', intervalMs: 1500 });
    const elapsed = (Date.now() - t0) / 1000;
    await consuming;

    const [g] = report.groups;
    expect(g).toMatchObject({ stage: 'enrich', group, state: 'Empty', members: [] });
    const byPartition = new Map(g.partitions.map((p) => [p.partition, p]));
    expect(g.partitions).toHaveLength(6);
    expect(byPartition.get(0)).toMatchObject({ committed: 5, end: 20, lagRecords: 15 });
    expect(byPartition.get(1)).toMatchObject({ committed: 20, end: 20, lagRecords: 0, lagSeconds: 0 });
    expect(byPartition.get(2)).toMatchObject({ committed: 18, end: 20, lagRecords: 2 });
    for (const p of [3, 4, 5]) expect(byPartition.get(p)).toMatchObject({ committed: 0, end: 0, lagRecords: 0 });
    expect(g.totalRecords).toBe(17);

    // Seconds behind = age of the first unconsumed record (its timestamp is known exactly).
    const age = (offset: number) => (g.sampledAt - at(offset)) / 1000;
    expect(byPartition.get(0)!.lagSeconds).toBeCloseTo(age(5), 0);
    expect(byPartition.get(2)!.lagSeconds).toBeCloseTo(age(18), 0);
    expect(g.maxSeconds).toBeCloseTo(age(5), 0);

    // 6 records committed between samples that were report.windowMs apart.
    expect(report.windowMs).toBeGreaterThanOrEqual(1500);
    expect(report.windowMs / 1000).toBeLessThanOrEqual(elapsed);
    expect(g.drainRate).toBeCloseTo(6 / (report.windowMs / 1000), 5);
    expect(g.drainSeconds).toBeCloseTo(17 / g.drainRate, 5);

    // The command line prints the same figures as a table.
    let out = '';
    expect(await run(['--prefix', prefix, 'lag', '--group', 'enrich', '--interval', '0.2'], { out: (s) => void (out += s), err: () => undefined })).toBe(0);
    expect(out).toMatch(new RegExp(`${group.replace(/\./g, '\\.')}\\s+${raw.replace(/\./g, '\\.')}\\s+0\\s+5\\s+20\\s+15\\s+2[0-9]\\.[0-9]m`));
    expect(out).toMatch(/Empty\s+0\s+17/);
  });
});
