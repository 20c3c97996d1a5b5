/**
 * Fault injection while events stream in: kill -9 each service and restart it, restart the Kafka
 * broker, stop PostgreSQL for 60 seconds. Afterwards every acknowledged event is exactly one row, no
 * alert is stored or delivered twice, and the lag drains. Runs in the serial system phase: it restarts
 * the shared broker and database.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import WebSocket from 'ws';
import { kafkaAdminClient, LagTracker } from '@sluice/runtime';
import { STAGE_INPUTS, naming, type GroupStage } from '@sluice/contracts';
import { BROKERS, eventually, rawEvent, sleep } from '../support/kafka';
import { startPipeline, type Pipeline } from '../support/pipeline';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const OUTAGE_MS = Number(process.env.SLUICE_FAULT_PG_OUTAGE_MS ?? 60_000);

jest.setTimeout(900_000);

describe('fault injection', () => {
  let p: Pipeline;
  const acknowledged = new Set<string>();
  let attempts = 0;
  let refusedOrFailed = 0;
  let sending = true;
  let seq = 0;
  const wsNew = new Map<string, number>();
  let ws: WebSocket | undefined;

  beforeAll(async () => {
    p = await startPipeline('faults');
  });
  afterAll(async () => {
    sending = false;
    ws?.close();
    await p?.close();
  });

  function connectWs() {
    ws = new WebSocket(`ws://127.0.0.1:${p.procs.notify.port}/ws`, { headers: { Authorization: `Bearer ${p.token}` } });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; status?: string; alert?: { dedupKey: string } };
      if (m.type === 'alert' && m.status === 'new' && m.alert) wsNew.set(m.alert.dedupKey, (wsNew.get(m.alert.dedupKey) ?? 0) + 1);
    });
    ws.on('open', () => ws!.send(JSON.stringify({ type: 'subscribe', filter: {} })));
    ws.on('error', () => undefined);
  }

  /** Steady HTTP load: batches of 25 every 100 ms; only 202-acknowledged events count. */
  async function sendLoop() {
    while (sending) {
      const batch = Array.from({ length: 25 }, () => {
        const i = seq++;
        const { receivedAt: _r, producer: _p, ...e } = rawEvent({
          id: `fault-${i}`,
          author: { id: `fa-${i % 40}`, followers: i % 5 === 0 ? 25_000 : 300 },
          text: i % 5 === 0 ? 'terrible awful horrible disaster, the worst, I hate this broken mess' : `steady traffic ${i} #faults`,
        });
        return e;
      });
      attempts += batch.length;
      try {
        const res = await fetch(`${p.procs.ingest.url}/v1/events/batch`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${p.apiKey}` },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 202) for (const e of batch) acknowledged.add(e.id);
        else refusedOrFailed += batch.length;
      } catch {
        refusedOrFailed += batch.length; // ingest down: not acknowledged, so not counted
      }
      await sleep(100);
    }
  }

  async function kafka(cmd: 'stop' | 'start') {
    await run('bash', [path.join(ROOT, 'deploy/kafka/kafka.sh'), cmd], { timeout: 180_000 });
  }
  async function postgres(cmd: 'stop' | 'start') {
    await run('bash', [path.join(ROOT, 'deploy/postgres/postgres.sh'), cmd], { timeout: 120_000 });
  }

  test('kill -9 of every service, a broker restart and a 60 s database outage lose and double nothing', async () => {
    connectWs();
    const loop = sendLoop();
    const log: string[] = [];
    const step = async (what: string, fn: () => Promise<void>) => {
      const t = Date.now();
      await fn();
      log.push(`${what} (${Date.now() - t} ms)`);
    };
    await sleep(3000);
    for (const name of ['enrich', 'score', 'persist', 'notify', 'ingest'] as const) {
      await step(`kill -9 ${name} and restart`, async () => {
        await p.procs[name].kill9();
        await sleep(1500);
        await p.procs[name].restart();
        if (name === 'notify') connectWs();
      });
      await sleep(2000);
    }
    await step('restart the Kafka broker', async () => {
      await kafka('stop');
      await sleep(2000);
      await kafka('start');
    });
    await sleep(5000);
    await step(`stop PostgreSQL for ${OUTAGE_MS / 1000} s`, async () => {
      await postgres('stop');
      await sleep(OUTAGE_MS);
      await postgres('start');
    });
    await sleep(3000);
    sending = false;
    await loop;

    // The lag of every stage drains.
    const names = naming(p.prefix);
    const admin = kafkaAdminClient(BROKERS, 'faults-lag');
    await admin.connect();
    const lag = new LagTracker(admin, false);
    const drainStart = Date.now();
    try {
      await eventually(async () => {
        for (const stage of ['enrich', 'score', 'persist', 'notify'] as GroupStage[]) {
          const l = await lag.sample(names.group(stage), STAGE_INPUTS[stage].map((k) => names.topic(k)));
          if (l.totalRecords > 0) return false;
        }
        return true;
      }, 300_000, 1000);
    } finally {
      await admin.disconnect();
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;

    // Zero acknowledged events lost, zero duplicate rows. (The harness's connection died with the
    // database; a new one reads the results.)
    const db = new Client({ connectionString: p.dbUrl });
    await db.connect();
    try {
    await eventually(async () => Number((await db.query('SELECT count(*) FROM events')).rows[0].count) >= acknowledged.size, 120_000, 1000);
    const rows = (await db.query('SELECT id FROM events')).rows as Array<{ id: string }>;
    const ids = new Set(rows.map((r) => r.id));
    const lost = [...acknowledged].filter((id) => !ids.has(id));
    const duplicateRows = rows.length - ids.size;
    const alertRows = (await db.query('SELECT dedup_key FROM alerts')).rows as Array<{ dedup_key: string }>;
    const duplicateAlerts = alertRows.length - new Set(alertRows.map((r) => r.dedup_key)).size;
    const doubleDelivered = [...wsNew.values()].filter((n) => n > 1).length;

    console.log(
      [
        'fault injection:',
        ...log.map((l) => `  ${l}`),
        `  events attempted ${attempts}, acknowledged ${acknowledged.size}, refused or failed while a service was down ${refusedOrFailed}`,
        `  rows ${rows.length} (distinct ${ids.size}), acknowledged but missing ${lost.length}, duplicate rows ${duplicateRows}`,
        `  alerts stored ${alertRows.length}, duplicate alerts ${duplicateAlerts}, alerts delivered as new more than once ${doubleDelivered}`,
        `  lag drained ${drainSeconds.toFixed(1)} s after the load stopped`,
      ].join('\n'),
    );
    expect(acknowledged.size).toBeGreaterThan(1000);
    expect(lost).toEqual([]);
    expect(duplicateRows).toBe(0);
    expect(duplicateAlerts).toBe(0);
    expect(alertRows.length).toBeGreaterThan(0);
    expect(doubleDelivered).toBe(0);
    } finally {
      await db.end();
    }
  });
});
