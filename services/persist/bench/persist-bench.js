// Persist benchmark (not a test). Needs Kafka, the registry and PostgreSQL up, and a build (tsc -b).
//   node services/persist/bench/persist-bench.js
// Environment: BENCH_EVENTS (preloaded events, default 200000), BENCH_RATE (paced events/s, 5000),
// BENCH_SECONDS (paced duration, 30), BENCH_BATCH_SIZE / BENCH_BATCH_WAIT_MS (persist's STAGE_BATCH_*), BENCH_SKIP_RAW=1,
// BENCH_PROFILE=<dir> (V8 CPU profile of persist), BENCH_NODE_OPTIONS (persist's NODE_OPTIONS).
//
// 1. Throughput: a separate process preloads BENCH_EVENTS scored events into a fresh prefixed topic;
//    then one persist process (dist/main.js) starts and drains it into a fresh database. Reported:
//    rows/s sustained, and database round trips per record (from persist's own metrics).
// 2. Latency: a separate process produces at BENCH_RATE events/s; each event's id carries its send
//    time and persist confirms each committed event with its commit time: p50/p95/p99 of the difference.
// 3. Raw Kafka on the same broker in the same run: ProducerPerformance and ConsumerPerformance.
'use strict';
const { spawn, execFile } = require('node:child_process');
const path = require('node:path');
// node-rdkafka comes with the runtime (persist itself never consumes outside it).
const Kafka = require(require.resolve('node-rdkafka', { paths: [require.resolve('@sluice/runtime')] }));
const { Client } = require('pg');
const { AvroSerde, RegistryClient, kafkaAdminClient, ensureTopics } = require('@sluice/runtime');
const { naming } = require('@sluice/contracts');

const ROOT = path.resolve(__dirname, '../../..');
const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const REGISTRY_URL = process.env.REGISTRY_URL || 'http://127.0.0.1:8081';
const BASE_DB = process.env.DATABASE_URL || 'postgres://sluice:sluice@127.0.0.1:5432/sluice';
const EVENTS = Number(process.env.BENCH_EVENTS || 200_000);
const RATE = Number(process.env.BENCH_RATE || 5000);
const SECONDS = Number(process.env.BENCH_SECONDS || 30);
// Unset: persist's own defaults (STAGE_BATCH_SIZE 2000, STAGE_BATCH_WAIT_MS 100).
const BATCH = process.env.BENCH_BATCH_SIZE;
const WAIT = process.env.BENCH_BATCH_WAIT_MS;
const PORT = Number(process.env.BENCH_PORT || 18182);
// A larger young generation: persist allocates a batch's worth of short-lived objects at a time, and
// the default semi-space makes the scavenger a fifth of its CPU. The recommended deployment setting.
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=64';
const stamp = Date.now().toString(36);
const prefix = `bench.persist.${stamp}`;
const dbName = `persist_bench_${stamp}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (...args) => console.error('[persist-bench]', ...args);

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, cwd: ROOT }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

async function metric(name, labels = {}) {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries((m[3] || '').split(',').filter(Boolean).map((kv) => kv.split('=').map((s) => s.replace(/"/g, ''))));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

/** CPU seconds used so far by a process (user + system), from /proc. */
function cpuSeconds(pid) {
  try {
    const f = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of persist's PostgreSQL backends (the writer's connections). */
async function backendCpu(pg) {
  const { rows } = await pg.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'sluice-persist-writer'`);
  return rows.reduce((s, r) => s + cpuSeconds(r.pid), 0);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Reads confirmations from the beginning, collecting commit - send latency of paced events. */
async function latencies(serde, expected, timeoutMs) {
  const topic = serde.naming.topic('confirmations');
  const consumer = new Kafka.KafkaConsumer({ 'group.id': `bench-${stamp}`, 'metadata.broker.list': BROKERS.join(','), 'enable.auto.commit': false }, { 'auto.offset.reset': 'earliest' });
  await new Promise((res, rej) => consumer.connect({ timeout: 10_000 }, (e) => (e ? rej(e) : res())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(200);
  const out = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < expected && Date.now() < deadline) {
    const batch = await new Promise((res) => consumer.consume(500, (e, m) => res(e ? [] : m)));
    for (const m of batch) {
      const c = await serde.decode('confirmations', m.value);
      for (const id of c.eventIds) if (id.startsWith('lat-')) out.push(c.committedAt - Number(id.split('-')[1]));
    }
  }
  await new Promise((res) => consumer.disconnect(res));
  return out.sort((x, y) => x - y);
}

async function rawKafka(admin) {
  const topic = `${prefix}.raw-perf`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const kafka = path.join(ROOT, 'deploy/kafka/kafka.sh');
  const prod = await run(kafka, ['class', 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', '200000', '--record-size', '512', '--throughput', '-1', '--producer-props', `bootstrap.servers=${BROKERS[0]}`, 'acks=all']);
  const last = prod.trim().split('\n').pop();
  const p = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(last);
  const cons = await run(kafka, ['class', 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', BROKERS[0], '--topic', topic, '--messages', '200000']);
  const row = cons.trim().split('\n').pop().split(',').map((s) => s.trim());
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  return { producerRecordsPerSec: p ? Number(p[1]) : last, producerMBPerSec: p ? Number(p[2]) : null, consumerRecordsPerSec: Number(row[5]), consumerMBPerSec: Number(row[3]) };
}

async function main() {
  const admin = kafkaAdminClient(BROKERS, 'persist-bench-admin');
  await admin.connect();
  const names = naming(prefix);
  await ensureTopics(admin, names, ['scored', 'alerts', 'confirmations', 'dlq']);
  const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), prefix);
  await serde.register(['scored', 'alerts', 'confirmations', 'dlq']);
  const pg = new Client({ connectionString: BASE_DB });
  await pg.connect();
  await pg.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(BASE_DB);
  dbUrl.pathname = `/${dbName}`;
  let persist;
  const result = { events: EVENTS, batchSize: BATCH ?? 'default (2000)', batchWaitMs: WAIT ?? 'default (100)', persistNodeOptions: NODE_OPTIONS };
  try {
    say(`preloading ${EVENTS} events into ${names.topic('scored')} (separate process)`);
    const pre = JSON.parse(await run(process.execPath, [path.join(__dirname, 'produce.js'), 'preload', prefix, String(EVENTS)]));
    result.preloadSeconds = pre.seconds;

    say('starting persist (dist/main.js)');
    // BENCH_PROFILE=<dir>: write a V8 CPU profile of persist there.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    persist = spawn(process.execPath, [...profile, path.join(ROOT, 'services/persist/dist/main.js')], {
      env: { ...process.env, NODE_OPTIONS: NODE_OPTIONS, SLUICE_TOPIC_PREFIX: prefix, DATABASE_URL: dbUrl.toString(), PORT: String(PORT), ...(BATCH ? { STAGE_BATCH_SIZE: BATCH } : {}), ...(WAIT ? { STAGE_BATCH_WAIT_MS: WAIT } : {}), STAGE_LAG_INTERVAL_MS: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let first = null;
    let last = null;
    for (;;) {
      await sleep(250);
      let rows;
      try {
        rows = await metric('sluice_persist_rows_total', { table: 'events' });
      } catch {
        continue; // not listening yet
      }
      const sample = async () => ({ t: Date.now(), rows, trips: await metric('sluice_persist_db_round_trips_total', { purpose: 'write' }), node: cpuSeconds(persist.pid), db: await backendCpu(pg) });
      if (rows > 0 && !first) first = await sample();
      if (rows >= EVENTS) {
        last = await sample();
        break;
      }
      if (first && Date.now() - first.t > 30 * 60_000) throw new Error('persist did not drain the preloaded topic within 30 minutes');
    }
    result.rowsPerSecond = Math.round((last.rows - first.rows) / ((last.t - first.t) / 1000));
    result.drainSeconds = (last.t - first.t) / 1000;
    result.roundTripsPerRecord = Number(((last.trips - first.trips) / (last.rows - first.rows)).toFixed(4));
    result.recordsPerRoundTrip = Math.round((last.rows - first.rows) / (last.trips - first.trips));
    // CPU per record, independent of how busy the shared machine is: what bounds throughput on idle cores.
    result.cpuMicrosPerRecord = {
      persistProcess: Math.round(((last.node - first.node) / (last.rows - first.rows)) * 1e6),
      postgresBackend: Math.round(((last.db - first.db) / (last.rows - first.rows)) * 1e6),
    };
    result.loadAverage = require('node:os').loadavg().map((x) => Number(x.toFixed(1)));
    say(`throughput: ${result.rowsPerSecond} rows/s, ${result.recordsPerRoundTrip} records per round trip`);

    say(`latency: ${RATE} events/s for ${SECONDS} s (separate process)`);
    const paced = JSON.parse(await run(process.execPath, [path.join(__dirname, 'produce.js'), 'paced', prefix, String(RATE), String(SECONDS)]));
    result.pacedSent = paced.sent;
    result.pacedRate = Math.round(paced.sent / paced.seconds);
    const lat = await latencies(serde, paced.sent, 120_000);
    result.latencyMeasured = lat.length;
    result.latencyMs = { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1] };
    say(`latency p95 ${result.latencyMs.p95} ms over ${lat.length} events`);
  } finally {
    if (persist) {
      persist.kill('SIGTERM');
      await new Promise((r) => persist.on('exit', r));
    }
    await pg.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await pg.end();
  }
  if (process.env.BENCH_SKIP_RAW !== '1') {
    say('raw Kafka producer/consumer performance on the same broker');
    result.rawKafka = await rawKafka(admin);
  }
  await admin.deleteTopics({ topics: ['scored', 'alerts', 'confirmations', 'dlq'].map((k) => names.topic(k)) }).catch(() => undefined);
  await admin.disconnect();
  result.targets = { rowsPerSecond: '>= 30000', recordsPerRoundTrip: '>= 50', p95Ms: '<= 1000 at 5000 events/s' };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
