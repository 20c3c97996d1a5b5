/**
 * The simulator sending for real: through the client straight to Kafka, and the sluice-simulate command
 * over HTTP to an ingest process; every event is read back from the raw topic.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { RawEvent } from '@sluice/contracts';
import { createClient } from '@sluice/client';
import { BROKERS, REGISTRY_URL, provision, readTopic, uniquePrefix } from '../../../test/support/kafka';
import { startService, type ServiceProcess } from '../../../test/support/processes';
import { simulate } from './run';

const ROOT = path.resolve(__dirname, '../../..');

describe('simulate() through the client, straight to Kafka', () => {
  const prefix = uniquePrefix('simulate-kafka');

  it('sends history, then live background and burst events at the requested rate; all land in the raw topic', async () => {
    const { serde, names } = await provision(prefix);
    const client = createClient({ transport: 'kafka', brokers: BROKERS, registryUrl: REGISTRY_URL, prefix }, { lingerMs: 20 });
    const progress: number[] = [];
    const started = Date.now();
    const report = await simulate({
      seed: 'kafka-test',
      rate: 20,
      durationMs: 4000,
      bursts: ['spike', 'spam'],
      historyMs: 60_000,
      firstBurstAtMs: 1000,
      burstStaggerMs: 500,
      spikeMs: 2000,
      spamMs: 2000,
      send: (e) => client.send(e),
      onProgress: (r) => progress.push(r.sent),
      progressEveryMs: 1000,
    });
    await client.close();
    expect(report.rejected + report.failed).toBe(0);
    expect(report.problems).toEqual([]);
    expect(report.history).toBeGreaterThan(1000);
    expect(report.byScenario.spike).toBeGreaterThan(0);
    expect(report.byScenario.spam).toBeGreaterThan(0);
    // Paced: about 20 background events a second over 4 seconds (history is not paced by its event times).
    expect(report.byScenario.background).toBeGreaterThan(40);
    expect(report.byScenario.background).toBeLessThan(130);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(progress.length).toBeGreaterThan(0);

    const total = report.sent + report.history;
    expect(report.accepted).toBe(total);
    const records = await readTopic(names.topic('raw'), total, 30_000);
    expect(records).toHaveLength(total);
    const events = await Promise.all(records.map((r) => serde.decode<RawEvent>('raw', r.value)));
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    expect(new Set(events.map((e) => e.attributes!.simulation))).toEqual(new Set(['background', 'chatter', 'spike', 'spam']));
    for (const r of records.slice(0, 50)) {
      const e = await serde.decode<RawEvent>('raw', r.value);
      expect(r.key!.toString()).toBe(`${e.source}:${e.author.id}`);
    }
  });
});

describe('the sluice-simulate command over HTTP', () => {
  const prefix = uniquePrefix('simulate-http');
  const key = 'simulator-test-key-41b7';
  let ingest: ServiceProcess;

  beforeAll(() => {
    // The command as installed: the compiled bin of this package.
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', path.join(ROOT, 'tools', 'simulator')], { cwd: ROOT });
  });
  afterAll(async () => {
    await ingest?.stop();
  });

  it('sends --count events to ingest with the given key and exits 0', async () => {
    const { serde, names } = await provision(prefix);
    ingest = await startService('ingest', {
      KAFKA_BROKERS: BROKERS.join(','),
      REGISTRY_URL,
      SLUICE_TOPIC_PREFIX: prefix,
      INGEST_API_KEYS: `simulator:${createHash('sha256').update(key).digest('hex')}`,
      INGEST_LAG_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
    });
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'tools', 'simulator', 'dist', 'main.js'), '--url', ingest.url, '--count', '80', '--rate', '40', '--burst', 'none', '--seed', 'cli'],
        { env: { ...process.env, SLUICE_API_KEY: key }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (c) => resolve({ code: c, stderr: err }));
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toMatch(/sent 80 live .* accepted 80, rejected 0, failed 0/);

    const records = await readTopic(names.topic('raw'), 81, 6000);
    expect(records).toHaveLength(80);
    const events = await Promise.all(records.map((r) => serde.decode<RawEvent>('raw', r.value)));
    expect(events.every((e) => e.producer === 'simulator' && e.attributes!.simulation === 'background')).toBe(true);
  });

  it('refuses a missing API key and a bad flag by name', () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'tools', 'simulator', 'dist', 'main.js'), ...args], { env: { ...process.env, SLUICE_API_KEY: '' }, stdio: 'pipe' });
        return '';
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr);
      }
    };
    expect(run(['--count', '1'])).toMatch(/--api-key \(or \$SLUICE_API_KEY\) is required with --transport http/);
    expect(run(['--rate', '-3'])).toMatch(/--rate: expected a number above 0, got "-3"/);
    expect(run(['--burst', 'tsunami'])).toMatch(/--burst: expected spike, negative, spam, all or none/);
    expect(run(['--transport', 'carrier-pigeon'])).toMatch(/Allowed choices are http, kafka/);
  });
});
