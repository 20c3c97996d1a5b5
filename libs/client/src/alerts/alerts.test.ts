/**
 * Analysts' own consumers of the alert topic, against the real broker and registry: the SDK's iterator,
 * and the runnable examples in examples/analyst-consumer (a stock kafkajs + Confluent registry client,
 * and the SDK script) run as their own processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Alert } from '@sluice/contracts';
import type { AvroSerde } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, produce, provision, uniquePrefix } from '../../../../test/support/kafka';
import { consumeAlerts, createClient, type AlertRecord } from '..';

const ROOT = path.resolve(__dirname, '../../../..');
const EXAMPLE = path.join(ROOT, 'examples', 'analyst-consumer');

let n = 0;
function alert(over: Partial<Alert> = {}): Alert {
  n++;
  const t = Date.UTC(2025, 0, 1, 12, n);
  return {
    id: `al-test-${n}`,
    dedupKey: `dedup-${n}`.padEnd(40, '0'),
    rule: 'watched-keyword-spike',
    ruleVersion: 'v-test',
    severity: n % 2 ? 'HIGH' : 'LOW',
    title: `Volume spike for watched keyword زلزال number ${n}`,
    source: 'twitter',
    entity: { type: 'keyword', value: 'زلزال' },
    evidence: { eventIds: [`ev-${n}`], windowStart: t, windowEnd: t + 60_000, figures: { count: 40 + n, score: 7.5 } },
    models: ['anomaly@1.0.0'],
    firedAt: t + 30_000,
    ...over,
  };
}

async function publish(serde: AvroSerde, alerts: Alert[]): Promise<void> {
  await produce(alerts.map((a) => ({ topic: serde.naming.topic('alerts'), key: a.dedupKey, value: serde.encode('alerts', a) })));
}

async function take(stream: AsyncIterable<AlertRecord>, count: number): Promise<AlertRecord[]> {
  const out: AlertRecord[] = [];
  for await (const r of stream) {
    out.push(r);
    if (out.length >= count) break;
  }
  return out;
}

/** Runs a script to completion and returns its stdout lines. */
function run(script: string, env: Record<string, string>, timeoutMs = 45_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(EXAMPLE, script)], {
      // The examples' own dependencies (kafkajs, @kafkajs/confluent-schema-registry) as installed for the client package.
      env: { ...process.env, NODE_PATH: path.join(ROOT, 'libs', 'client', 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.split('\n').filter(Boolean));
      else reject(new Error(`${script} exited with ${code}; stderr:\n${err}`));
    });
  });
}

describe('the SDK alert stream in an analyst’s own group', () => {
  const prefix = uniquePrefix('alerts-sdk');

  it('decodes alerts by schema id and resumes after the last one handled', async () => {
    const { serde } = await provision(prefix);
    const first = [alert(), alert(), alert()];
    await publish(serde, first);
    const groupId = `${prefix}.analyst-sdk`;
    const stream = consumeAlerts({ brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, groupId, fromBeginning: true });
    const got = await take(stream, 3);
    expect(got.map((r) => r.alert.id).sort()).toEqual(first.map((a) => a.id).sort());
    const one = got.find((r) => r.alert.id === first[0].id)!;
    expect(one.alert).toEqual(first[0]);
    expect(one.key).toBe(first[0].dedupKey);
    expect(one.schemaId).toBe(serde.schemaId('alerts'));

    // Same group again: only what arrived since (the three handled alerts were committed on close).
    const later = alert({ severity: 'CRITICAL' });
    await publish(serde, [later]);
    const client = createClient({ transport: 'kafka', brokers: BROKERS, registryUrl: REGISTRY_URL, prefix });
    const again = client.alerts({ groupId, fromBeginning: true });
    const next = await take(again, 1);
    expect(next.map((r) => r.alert.id)).toEqual([later.id]);
    await client.close();
  });
});

describe('the runnable examples in examples/analyst-consumer', () => {
  const prefix = uniquePrefix('alerts-example');
  let serde: AvroSerde;
  const published = [alert(), alert(), alert(), alert({ severity: 'CRITICAL' })];

  beforeAll(async () => {
    serde = (await provision(prefix)).serde;
    await publish(serde, published);
  });

  it('the stock-client example (kafkajs + Confluent schema registry) prints every alert', async () => {
    const lines = await run('consume-alerts.js', {
      KAFKA_BROKERS: BROKERS.join(','),
      REGISTRY_URL,
      SLUICE_TOPIC_PREFIX: prefix,
      GROUP_ID: `${prefix}.analyst-stock`,
      FROM_BEGINNING: 'true',
      OUTPUT: 'json',
      MAX_ALERTS: '4',
    });
    const printed = lines.map((l) => JSON.parse(l) as { alert: Alert; schemaId: number });
    expect(printed.map((p) => p.alert.id).sort()).toEqual(published.map((a) => a.id).sort());
    for (const p of printed) expect(p.alert).toEqual(published.find((a) => a.id === p.alert.id));
    expect(printed[0].schemaId).toBe(serde.schemaId('alerts'));
  });

  it('the SDK example prints the same alerts, filtered by severity', async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', path.join(ROOT, 'libs', 'client')], { cwd: ROOT });
    const lines = await run('alerts-with-sdk.js', {
      KAFKA_BROKERS: BROKERS.join(','),
      REGISTRY_URL,
      SLUICE_TOPIC_PREFIX: prefix,
      GROUP_ID: `${prefix}.analyst-sdk-script`,
      FROM_BEGINNING: 'true',
      MIN_SEVERITY: 'HIGH',
      MAX_ALERTS: '4',
    });
    // Text output, one line per alert at HIGH or above: two HIGH of the first three, and the CRITICAL one.
    expect(lines).toHaveLength(published.filter((a) => a.severity === 'HIGH' || a.severity === 'CRITICAL').length);
    for (const l of lines) {
      expect(l).toMatch(/^\d{4}-\d{2}-\d{2}T.* \[(HIGH|CRITICAL)\] Volume spike for watched keyword زلزال number \d+ \(rule watched-keyword-spike, keyword زلزال, source twitter, count \d+, dedup /);
    }
  });
});
