#!/usr/bin/env node
/**
 * Throughput of one enrich process, beside the raw Kafka producer and consumer throughput of the same
 * broker measured in the same run with Kafka's own perf tools. Not a test: run it by hand.
 *
 *   npx tsc -b services/enrich && node services/enrich/bench/enrich-bench.js
 *
 * Environment: BENCH_EVENTS (200000), BENCH_RUNS (3), BENCH_RECORD_SIZE (512, perf tools),
 * BENCH_ENRICH_ENV (extra env for the enrich process, e.g. "STAGE_BATCH_SIZE=2000 ENRICH_LINK_METRICS_URL=…"),
 * BENCH_NODE_ARGS (node flags for the enrich process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
 * BENCH_BASELINE=1 (also run the runtime's pass-through stage on its own copy of the events, for the ceiling
 * the shared runtime sets), BENCH_SKIP_PERF=1 (enrich only, for quick A/B comparisons), BENCH_KEEP_TOPICS=1 (keep the bench topics),
 * KAFKA_BROKERS, REGISTRY_URL.
 *
 * Each run: preload N raw events (Arabic, English, mixed, emoji, links, some duplicates and a few invalid)
 * into a fresh prefixed raw topic from this process; start services/enrich/dist/main.js as a child with
 * that prefix; sample the group's lag until it is zero; report events/s from the child's start (startup
 * included) and from its first commit (steady state), and the CPU the child used. Then run
 * ProducerPerformance and ConsumerPerformance on a fresh topic with as many partitions as the raw topic.
 */
'use strict';
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { naming, TOPICS } = require('@sluice/contracts');
const { AvroSerde, RegistryClient, ReliableProducer, kafkaAdminClient, ensureTopics, LagTracker } = require('@sluice/runtime');
const { makeEvents, seedEvents } = require('./events');

const ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.resolve(__dirname, '../dist/main.js');
// The runtime's own copy-through stage (no enrichment): the ceiling the shared runtime sets on this machine.
const PASSTHROUGH = path.join(ROOT, 'libs/runtime/test-fixtures/passthrough-stage.js');
const KAFKA_SH = path.join(ROOT, 'deploy/kafka/kafka.sh');
const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const REGISTRY_URL = process.env.REGISTRY_URL || 'http://127.0.0.1:8081';
const N = Number(process.env.BENCH_EVENTS || 200_000);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const RECORD_SIZE = Number(process.env.BENCH_RECORD_SIZE || 512);
const EXTRA_ENV = Object.fromEntries((process.env.BENCH_ENRICH_ENV || '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const NODE_ARGS = (process.env.BENCH_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const CLK_TCK = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Topic creation on a busy broker sometimes answers "does not host this topic-partition" at first. */
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
const fmt = (n) => Math.round(n).toLocaleString('en-US');

// ---- Kafka helpers --------------------------------------------------------------------------------

async function preload(names, serde, events) {
  const producer = new ReliableProducer({ brokers: BROKERS, clientId: 'enrich-bench-preload', lingerMs: 20 });
  await producer.connect();
  let bytes = 0;
  const started = Date.now();
  try {
    for (let i = 0; i < events.length; i += 20_000) {
      const chunk = events.slice(i, i + 20_000).map((e) => {
        const value = serde.encode('raw', e.value);
        bytes += value.length;
        return { topic: names.topic('raw'), key: e.key, value };
      });
      await producer.send(chunk);
    }
  } finally {
    await producer.disconnect();
  }
  return { seconds: (Date.now() - started) / 1000, avgBytes: bytes / events.length };
}

function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
  } catch {
    return NaN;
  }
}

async function runEnrich(prefix, admin, names, expected, script = MAIN) {
  const group = names.group('enrich');
  const topic = names.topic('raw');
  const tracker = new LagTracker(admin, false);
  const started = Date.now();
  const child = spawn(process.execPath, [...NODE_ARGS, script], {
    env: { ...process.env, SLUICE_TOPIC_PREFIX: prefix, PREFIX: prefix, BATCH_SIZE: process.env.STAGE_BATCH_SIZE || '1000', PORT: '0', LOG_LEVEL: 'warn', STAGE_LAG_INTERVAL_MS: '0', KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, ...EXTRA_ENV },
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
      if (exited) throw new Error(`enrich exited early: ${JSON.stringify(exited)}`);
      if (Date.now() - started > 600_000) throw new Error('enrich did not drain the raw topic within 10 minutes');
      await sleep(100);
      const lag = await tracker.sample(group, [topic]).catch(() => null);
      if (!lag || lag.partitions.length === 0) continue;
      const committed = lag.partitions.reduce((s, p) => s + p.committed, 0);
      if (committed > 0 && firstProgress === null) {
        firstProgress = Date.now();
        committedAtFirst = committed;
      }
      if (lag.totalRecords === 0 && committed >= expected) {
        done = Date.now();
        cpu = cpuSeconds(child.pid);
      }
    }
  } finally {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
  }
  return {
    totalSeconds: (done - started) / 1000,
    fromStart: expected / ((done - started) / 1000),
    steady: (expected - committedAtFirst) / Math.max(0.001, (done - firstProgress) / 1000),
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
    const exists = (await admin.listTopics()).includes(topic);
    if (!exists) await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }] });
  });
  const prod = await kafkaTool([
    'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(N), '--record-size', String(RECORD_SIZE),
    '--throughput', '-1', '--producer-props', `bootstrap.servers=${BROKERS[0]}`, 'acks=all',
  ]);
  // Last summary line: "200000 records sent, 95238.1 records/sec (46.50 MB/sec), …"
  const summary = prod.trim().split('\n').filter((l) => /records sent/.test(l)).pop() || '';
  const producerRate = Number((summary.match(/([\d.]+) records\/sec/) || [])[1]);
  const cons = await kafkaTool(['org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', BROKERS[0], '--topic', topic, '--messages', String(N)]);
  // Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = cons.trim().split('\n').filter((l) => l.includes(','));
  const header = lines.find((l) => l.includes('nMsg.sec')).split(',').map((s) => s.trim());
  const row = lines[lines.length - 1].split(',').map((s) => s.trim());
  const get = (name) => Number(row[header.indexOf(name)]);
  return { producerRate, producerSummary: summary.trim(), consumerRate: get('nMsg.sec'), consumerFetchRate: get('fetch.nMsg.sec') };
}

// ---- main -----------------------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing; build first: npx tsc -b services/enrich`);
  const admin = kafkaAdminClient(BROKERS, 'enrich-bench-admin');
  await admin.connect();
  const results = [];
  const os = require('node:os');
  console.log(`enrich benchmark: ${fmt(N)} events per run, ${RUNS} run(s), broker ${BROKERS.join(',')}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    for (let run = 1; run <= RUNS; run++) {
      const prefix = `bench.enrich.${Date.now().toString(36)}${run}`;
      const names = naming(prefix);
      await retry('creating the bench topics', () => ensureTopics(admin, names, ['raw', 'enriched', 'dlq']));
      const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), prefix);
      await serde.register(['raw']);
      seedEvents(run);
      const { events, invalid } = makeEvents(N, prefix);
      const load = await preload(names, serde, events);
      events.length = 0;
      const enrich = await runEnrich(prefix, admin, names, N);
      let baseline = { steady: NaN, cpuSeconds: NaN };
      if (process.env.BENCH_BASELINE) {
        const basePrefix = `${prefix}b`;
        const baseNames = naming(basePrefix);
        await retry('creating the baseline topics', () => ensureTopics(admin, baseNames, ['raw', 'enriched', 'dlq']));
        const baseSerde = new AvroSerde(new RegistryClient(REGISTRY_URL), basePrefix);
        await baseSerde.register(['raw']);
        seedEvents(run);
        await preload(baseNames, baseSerde, makeEvents(N, basePrefix).events);
        baseline = await runEnrich(basePrefix, admin, baseNames, N, PASSTHROUGH);
        if (!process.env.BENCH_KEEP_TOPICS) {
          const theirs = (await admin.listTopics()).filter((t) => t.startsWith(`${basePrefix}.`));
          await admin.deleteTopics({ topics: theirs }).catch(() => undefined);
        }
      }
      const enriched = await endOffsets(admin, names.topic('enriched'));
      const dead = await endOffsets(admin, names.topic('dlq'));
      const perfTopic = `${prefix}.perf`;
      const perf = process.env.BENCH_SKIP_PERF ? { producerRate: NaN, consumerRate: NaN, consumerFetchRate: NaN } : await perfTools(admin, perfTopic, TOPICS.raw.partitions);
      const r = { run, ...enrich, baselineRate: baseline.steady, baselineEfficiency: N / baseline.cpuSeconds, ...perf, enriched, dead, invalid, preloadSeconds: load.seconds, avgRawBytes: load.avgBytes };
      results.push(r);
      console.log(
        `run ${run}: enrich ${fmt(r.steady)} events/s steady (${fmt(r.fromStart)} incl. ${r.startupSeconds.toFixed(1)} s startup; ` +
          `${r.cpuSeconds.toFixed(1)} CPU s = ${fmt(N / r.cpuSeconds)} events per CPU-second) | ` +
          (process.env.BENCH_BASELINE ? `runtime pass-through ${fmt(r.baselineRate)} events/s (${fmt(r.baselineEfficiency)} per CPU-second) | ` : '') +
          `kafka producer-perf ${fmt(r.producerRate)} rec/s, consumer-perf ${fmt(r.consumerRate)} rec/s (fetch ${fmt(r.consumerFetchRate)}) | ` +
          `enriched ${fmt(enriched)}, dead-lettered ${fmt(dead)} (expected ${invalid}), raw avg ${Math.round(load.avgBytes)} B`,
      );
      if (enriched + dead < N) console.log(`  WARNING: ${N - enriched - dead} events unaccounted for`);
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
  console.log(`median over ${results.length} run(s), ${fmt(N)} events each (load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  console.log(`  enrich (one process, steady)     ${fmt(m('steady')).padStart(9)} events/s   target >= 30,000`);
  console.log(`  enrich (incl. startup)           ${fmt(m('fromStart')).padStart(9)} events/s`);
  console.log(`  enrich CPU efficiency            ${fmt(median(results.map((r) => N / r.cpuSeconds))).padStart(9)} events per CPU-second`);
  if (process.env.BENCH_BASELINE) {
    console.log(`  runtime pass-through (no work)   ${fmt(m('baselineRate')).padStart(9)} events/s   (${fmt(m('baselineEfficiency'))} per CPU-second)`);
  }
  console.log(`  kafka ProducerPerformance        ${fmt(m('producerRate')).padStart(9)} records/s  (${RECORD_SIZE} B, acks=all)`);
  console.log(`  kafka ConsumerPerformance        ${fmt(m('consumerRate')).padStart(9)} records/s  (fetch only: ${fmt(m('consumerFetchRate'))})`);
  console.log(`  raw event size                   ${Math.round(m('avgRawBytes')).toString().padStart(9)} B (Avro, Confluent-framed)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
