#!/usr/bin/env node
/**
 * Throughput of one score process with all built-in models on (sentiment, spam, anomaly, trend, and the
 * default alert rules), beside the raw Kafka producer and consumer throughput of the same broker measured
 * in the same run with Kafka's own perf tools. Not a test: run it by hand.
 *
 *   npx tsc -b services/score && node services/score/bench/bench.js
 *
 * Environment: BENCH_EVENTS (200000), BENCH_RUNS (1), BENCH_RECORD_SIZE (512, perf tools),
 * BENCH_SCORE_ENV (extra env for the score process, e.g. "STAGE_BATCH_SIZE=2000"),
 * BENCH_NODE_ARGS (node flags for the score process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
 * BENCH_PASSTHROUGH=1 (run a stage with no models instead, to show the runtime's ceiling),
 * BENCH_KEEP_TOPICS=1, KAFKA_BROKERS, REGISTRY_URL.
 *
 * Each run: a separate process preloads N enriched events into a fresh prefixed topic; then
 * services/score/dist/main.js runs as a child with that prefix; the group's committed offsets are sampled
 * until the lag is zero; events/s are reported from the child's start (startup included) and from its
 * first commit (steady state), with the CPU the child used. Then ProducerPerformance and
 * ConsumerPerformance run on a fresh topic with as many partitions as the enriched topic.
 */
'use strict';
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { naming, TOPICS } = require('@sluice/contracts');
const { kafkaAdminClient, ensureTopics, LagTracker } = require('@sluice/runtime');

const ROOT = path.resolve(__dirname, '../../..');
// BENCH_PASSTHROUGH=1 runs a stage without models instead (the runtime's ceiling on this machine).
const MAIN = process.env.BENCH_PASSTHROUGH ? path.join(__dirname, 'passthrough-stage.js') : path.resolve(__dirname, '../dist/main.js');
const KAFKA_SH = path.join(ROOT, 'deploy/kafka/kafka.sh');
const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const REGISTRY_URL = process.env.REGISTRY_URL || 'http://127.0.0.1:8081';
const N = Number(process.env.BENCH_EVENTS || 200_000);
const RUNS = Number(process.env.BENCH_RUNS || 1);
const RECORD_SIZE = Number(process.env.BENCH_RECORD_SIZE || 512);
const EXTRA_ENV = Object.fromEntries((process.env.BENCH_SCORE_ENV || '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const NODE_ARGS = (process.env.BENCH_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const CLK_TCK = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function retry(what, fn, attempts = 10) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts) throw new Error(`${what} failed ${attempts} times: ${e.message}`);
      await sleep(500 * i);
    }
  }
}

function preload(prefix) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'preload.js')], {
      env: { ...process.env, BENCH_PREFIX: prefix, BENCH_EVENTS: String(N), KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`preload exited with ${code}`))));
  });
}

function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

async function runScore(prefix, admin, names) {
  const group = names.group('score');
  const topic = names.topic('enriched');
  const tracker = new LagTracker(admin, false);
  const started = Date.now();
  const child = spawn(process.execPath, [...NODE_ARGS, MAIN], {
    env: { ...process.env, SLUICE_TOPIC_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn', STAGE_LAG_INTERVAL_MS: '0', KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, ...EXTRA_ENV },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  let firstProgress = null;
  let committedAtFirst = 0;
  let done = null;
  let cpu = NaN;
  try {
    while (!done) {
      if (exited) throw new Error(`score exited early: ${JSON.stringify(exited)}`);
      if (Date.now() - started > 900_000) throw new Error('score did not drain the enriched topic within 15 minutes');
      await sleep(100);
      const lag = await tracker.sample(group, [topic]).catch(() => null);
      if (!lag || lag.partitions.length === 0) continue;
      const committed = lag.partitions.reduce((s, p) => s + p.committed, 0);
      if (committed > 0 && firstProgress === null) {
        firstProgress = Date.now();
        committedAtFirst = committed;
      }
      if (lag.totalRecords === 0 && committed >= N) {
        done = Date.now();
        cpu = cpuSeconds(child.pid);
      }
    }
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 150 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
  }
  return {
    fromStart: N / ((done - started) / 1000),
    steady: (N - committedAtFirst) / Math.max(0.001, (done - firstProgress) / 1000),
    startupSeconds: (firstProgress - started) / 1000,
    cpuSeconds: cpu,
  };
}

async function endOffsets(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((s, o) => s + Number(o.high), 0);
}

function kafkaTool(args) {
  return new Promise((resolve, reject) => {
    execFile('bash', [KAFKA_SH, 'class', ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args[0]} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function perfTools(admin, topic, partitions) {
  await retry(`creating ${topic}`, async () => {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }] });
  });
  const prod = await kafkaTool([
    'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(N), '--record-size', String(RECORD_SIZE),
    '--throughput', '-1', '--producer-props', `bootstrap.servers=${BROKERS[0]}`, 'acks=all',
  ]);
  const summary = prod.trim().split('\n').filter((l) => /records sent/.test(l)).pop() || '';
  const producerRate = Number((summary.match(/([\d.]+) records\/sec/) || [])[1]);
  const cons = await kafkaTool(['org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', BROKERS[0], '--topic', topic, '--messages', String(N)]);
  const lines = cons.trim().split('\n').filter((l) => l.includes(','));
  const header = lines.find((l) => l.includes('nMsg.sec')).split(',').map((s) => s.trim());
  const row = lines[lines.length - 1].split(',').map((s) => s.trim());
  const get = (name) => Number(row[header.indexOf(name)]);
  return { producerRate, consumerRate: get('nMsg.sec'), consumerFetchRate: get('fetch.nMsg.sec') };
}

async function main() {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing; build first: npx tsc -b services/score`);
  const admin = kafkaAdminClient(BROKERS, 'score-bench-admin');
  await admin.connect();
  const results = [];
  console.log(`score benchmark: ${fmt(N)} enriched events per run, ${RUNS} run(s), broker ${BROKERS.join(',')}, ${os.cpus().length} cores`);
  try {
    for (let run = 1; run <= RUNS; run++) {
      const prefix = `bench.score.${Date.now().toString(36)}${run}`;
      const names = naming(prefix);
      await retry('creating the bench topics', () => ensureTopics(admin, names, ['enriched', 'scored', 'alerts', 'modelState', 'dlq']));
      const load = await preload(prefix);
      const score = await runScore(prefix, admin, names);
      const scored = await endOffsets(admin, names.topic('scored'));
      const alerts = await endOffsets(admin, names.topic('alerts'));
      const state = await endOffsets(admin, names.topic('modelState'));
      const dead = await endOffsets(admin, names.topic('dlq'));
      const perf = await perfTools(admin, `${prefix}.perf`, TOPICS.enriched.partitions);
      const r = { run, ...score, ...perf, scored, alerts, state, dead, preloadSeconds: load.seconds, avgBytes: load.avgBytes };
      results.push(r);
      console.log(
        `run ${run}: score ${fmt(r.steady)} events/s steady (${fmt(r.fromStart)} incl. ${r.startupSeconds.toFixed(1)} s startup; ` +
          `${r.cpuSeconds.toFixed(1)} CPU s = ${fmt(N / r.cpuSeconds)} events per CPU-second) | ` +
          `kafka producer-perf ${fmt(r.producerRate)} rec/s, consumer-perf ${fmt(r.consumerRate)} rec/s (fetch ${fmt(r.consumerFetchRate)}) | ` +
          `scored ${fmt(scored)}, alerts ${fmt(alerts)}, state records ${fmt(state)}, dead-lettered ${fmt(dead)}, enriched avg ${Math.round(load.avgBytes)} B`,
      );
      if (scored + dead < N) console.log(`  WARNING: ${N - scored - dead} events unaccounted for`);
      if (!process.env.BENCH_KEEP_TOPICS) {
        const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
        await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const m = (k) => median(results.map((r) => r[k]));
  console.log('');
  console.log(`median over ${results.length} run(s), ${fmt(N)} events each:`);
  const what = process.env.BENCH_PASSTHROUGH ? 'passthrough (no models)' : 'score (one process, steady)';
  console.log(`  ${what.padEnd(32)} ${fmt(m('steady')).padStart(9)} events/s   target >= 20,000`);
  console.log(`  score (incl. startup)            ${fmt(m('fromStart')).padStart(9)} events/s`);
  console.log(`  score CPU efficiency             ${fmt(median(results.map((r) => N / r.cpuSeconds))).padStart(9)} events per CPU-second`);
  console.log(`  kafka ProducerPerformance        ${fmt(m('producerRate')).padStart(9)} records/s  (${RECORD_SIZE} B, acks=all)`);
  console.log(`  kafka ConsumerPerformance        ${fmt(m('consumerRate')).padStart(9)} records/s  (fetch only: ${fmt(m('consumerFetchRate'))})`);
  console.log(`  enriched event size              ${Math.round(m('avgBytes')).toString().padStart(9)} B (Avro, Confluent-framed)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
