import { TOPICS, naming, type TopicKey } from '@sluice/contracts';
import { kafkaAdminClient } from '@sluice/runtime';
import { BROKERS, uniquePrefix } from '../../../../test/support/kafka';
import { createContext } from '../context';
import { run } from '../program';
import { describeTopics } from '.';

describe('sluice topics against the real broker', () => {
  test('reports missing topics, creates them, and reports drift in partitions and configuration', async () => {
    const prefix = uniquePrefix('cli-topics');
    const names = naming(prefix);
    const ctx = createContext({ prefix });
    const all = Object.keys(TOPICS) as TopicKey[];

    const before = await describeTopics(ctx);
    expect(before.topics.every((t) => !t.exists)).toBe(true);
    expect(before.drift).toHaveLength(all.length);
    expect(before.drift.every((d) => d.problem === 'missing')).toBe(true);

    // Someone created the alerts topic by hand, with the wrong partitions and retention.
    const admin = kafkaAdminClient(BROKERS, 'cli-topics-test');
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: names.topic('alerts'), numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
      });
    } finally {
      await admin.disconnect();
    }

    const created = await describeTopics(ctx, { create: true });
    expect(created.created.sort()).toEqual(all.filter((k) => k !== 'alerts').map((k) => names.topic(k)).sort());
    expect(created.topics.every((t) => t.exists)).toBe(true);
    const raw = created.topics.find((t) => t.key === 'raw')!;
    expect(raw).toMatchObject({ name: names.topic('raw'), declaredPartitions: 6, actualPartitions: 6, config: TOPICS.raw.config, drift: [] });
    expect(created.drift).toEqual([
      { topic: names.topic('alerts'), problem: 'partitions: declared 3, actual 1' },
      { topic: names.topic('alerts'), problem: `retention.ms: declared ${TOPICS.alerts.config['retention.ms']}, actual 60000` },
    ]);

    // Through the command line: JSON for scripts, and --check fails on drift.
    let out = '';
    const code = await run(['--prefix', prefix, 'topics', '--json', '--check'], { out: (s) => void (out += s), err: () => undefined });
    expect(code).toBe(3);
    const parsed = JSON.parse(out) as { drift: unknown[]; topics: Array<{ key: string; status?: string; drift: string[] }> };
    expect(parsed.drift).toHaveLength(2);
    expect(parsed.topics.find((t) => t.key === 'alerts')!.drift).toHaveLength(2);

    let human = '';
    expect(await run(['--prefix', prefix, 'topics'], { out: (s) => void (human += s), err: () => undefined })).toBe(0);
    expect(human).toMatch(new RegExp(`alerts\\s+${names.topic('alerts').replace(/\./g, '\\.')}\\s+1 \\(declared 3\\)`));
    expect(human).toContain('DRIFT');
  });
});
