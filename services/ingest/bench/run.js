#!/usr/bin/env node
/**
 * Ingest benchmark (not a test). Run from the repository root after a build:
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run.js
 *
 * Starts ingest (dist/main.js) as a child process on a unique topic prefix, drives its HTTP API from a
 * separate load process (autocannon), and reports, beside Kafka's own producer performance tool run on
 * the same broker in the same run:
 *   1. accepted events/s through batches of 100 at full speed, with p50/p99 acknowledgement latency;
 *   2. p50/p99 acknowledgement latency at half that rate;
 *   3. single-event requests/s.
 * A 202 is answered only after Kafka acknowledged (acks=all), so request latency is acknowledgement
 * latency. At the end the raw topic's record count is checked against the events ingest accepted.
 *
 * Environment: KAFKA_BROKERS, REGISTRY_URL, BENCH_SECONDS (20 per phase), BENCH_CONNECTIONS (batches, 16),
 * BENCH_SINGLE_CONNECTIONS (64), INGEST_WORKERS (passed to ingest), BENCH_SKIP_PERF=1 to skip Kafka's tool,
 * BENCH_PHASES (batch,half,single), BENCH_INGEST_NODE_ARGS (for example --cpu-prof).
 */
const { spawn, execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const ingestDir = path.resolve(__dirname, '..');
const { naming } = require(path.join(root, 'libs/contracts/dist'));
const { kafkaAdminClient, ensureTopics } = require(path.join(root, 'libs/runtime/dist'));

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081';
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const batchConnections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const singleConnections = Number(process.env.BENCH_SINGLE_CONNECTIONS ?? 64);
const port = Number(process.env.BENCH_PORT ?? 18_080);
const prefix = `bench.ingest.${Date.now().toString(36)}`;
const apiKey = crypto.randomBytes(24).toString('hex');

const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A realistic event (~350 bytes of JSON), without id: ingest assigns ULIDs. */
function event(i) {
  return {
    source: 'twitter',
    kind: 'POST',
    occurredAt: Date.now() - 1000,
    author: { id: `author-${i}`, handle: `handle_${i}`, followers: 1000 + i, verified: i % 10 === 0 },
    text: `Breaking: something happened in the city centre, more details soon #news #city ${i}`,
    url: `https://twitter.com/handle_${i}/status/${1_700_000_000_000 + i}`,
    lang: 'en',
    engagement: { likes: i, shares: i % 7, comments: i % 3, views: i * 10 },
    attributes: { campaign: 'bench', geo: 'ae' },
  };
}

/** CPU seconds (user + system, all threads) a process has used: contention-independent cost. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Runs one load phase and measures the CPU ingest spent on it. */
async function phase(ingestPid, options) {
  const before = cpuSeconds(ingestPid);
  const result = await runLoad(options);
  result.ingestCpuSeconds = cpuSeconds(ingestPid) - before;
  return result;
}

/** Ingest CPU microseconds per accepted event (or request) in a phase. */
function perUnit(result, eventsPerRequest) {
  const units = result.ok2xx * eventsPerRequest;
  return units > 0 ? Math.round((result.ingestCpuSeconds * 1e6) / units * 10) / 10 : null;
}

function runLoad(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'load.js'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load process exited with ${code}`))));
  });
}

/** Kafka's own producer performance tool on the same broker; `throughput` -1 is as fast as it goes. */
function kafkaPerf(topic, { records, recordSize, throughput }) {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'deploy/kafka/kafka.sh'),
      ['class', 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize),
        '--throughput', String(throughput), '--producer-props', `bootstrap.servers=${brokers[0]}`, 'acks=all'],
      { maxBuffer: 10 * 1024 * 1024, timeout: 300_000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').filter((l) => l.includes('records sent')).pop();
        if (err || !line) return resolve({ error: (err?.message ?? 'no summary line') + stderr.slice(-500) });
        const m = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line);
        resolve(m ? { recordsPerSec: Math.round(Number(m[1])), mbPerSec: Number(m[2]), p50Ms: Number(m[5]), p99Ms: Number(m[7]), recordSize, line } : { line });
      },
    );
  });
}

/** Bytes of one benchmark event on the wire (Confluent framing + Avro, with the fields ingest adds). */
function wireSize(events) {
  const { EventValidator } = require(path.join(ingestDir, 'dist/events'));
  const { schemaType } = require(path.join(root, 'libs/contracts/dist'));
  const validator = new EventValidator();
  const type = schemaType('RawEvent');
  const sizes = events.map((e) => 5 + type.toBuffer(validator.check(structuredClone(e), undefined, { producer: 'bench', receivedAt: Date.now() }).event).length);
  return Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
}

async function main() {
  const names = naming(prefix);
  const admin = kafkaAdminClient(brokers, 'ingest-bench');
  await admin.connect();
  await ensureTopics(admin, names, ['raw']);
  const perfTopic = `${prefix}.perf`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: perfTopic, numPartitions: 6, replicationFactor: 1 }] });

  const env = {
    ...process.env,
    PORT: String(port),
    KAFKA_BROKERS: brokers.join(','),
    REGISTRY_URL: registryUrl,
    SLUICE_TOPIC_PREFIX: prefix,
    INGEST_API_KEYS: `bench:${crypto.createHash('sha256').update(apiKey).digest('hex')}`,
    INGEST_RATE_PER_SEC: '10000000',
    INGEST_BURST: '10000000',
    // No consumer drains the benchmark's topic; lag-based shedding would stop the run.
    INGEST_LAG_INTERVAL_MS: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  log(`starting ingest on :${port} with prefix ${prefix}`);
  const nodeArgs = (process.env.BENCH_INGEST_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const ingest = spawn(process.execPath, [...nodeArgs, path.join(ingestDir, 'dist/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 120 || ingest.exitCode !== null) throw new Error('ingest did not become ready');
      await sleep(500);
    }

    const events = Array.from({ length: 100 }, (_, i) => event(i));
    const batch = JSON.stringify(events);
    const single = JSON.stringify(event(7));
    log(`batch body ${batch.length} bytes (100 events), single body ${single.length} bytes`);
    const common = { url, apiKey, durationSec: seconds };

    const phases = new Set((process.env.BENCH_PHASES ?? 'batch,half,single').split(','));
    const skipped = { ok2xx: 0, durationSec: 1, requestsPerSec: 0, non2xx: 0, errors: 0, latencyMs: { p50: null, p99: null } };
    log('warm-up (5 s)');
    await runLoad({ ...common, durationSec: 5, path: '/v1/events/batch', body: batch, connections: batchConnections });

    let full = skipped;
    if (phases.has('batch') || phases.has('half')) {
      log(`batches of 100 at full speed (${seconds} s, ${batchConnections} connections)`);
      full = await phase(ingest.pid, { ...common, path: '/v1/events/batch', body: batch, connections: batchConnections });
    }
    const fullEvents = (full.ok2xx * 100) / full.durationSec;

    let half = skipped;
    if (phases.has('half')) {
      const halfRate = Math.max(1, Math.round(full.ok2xx / full.durationSec / 2));
      log(`batches of 100 at half that rate: ${halfRate} requests/s (${seconds} s)`);
      half = await phase(ingest.pid, { ...common, path: '/v1/events/batch', body: batch, connections: batchConnections, overallRate: halfRate });
    }

    let one = skipped;
    if (phases.has('single')) {
      log(`single events at full speed (${seconds} s, ${singleConnections} connections)`);
      one = await phase(ingest.pid, { ...common, path: '/v1/events', body: single, connections: singleConnections });
    }

    let perf = { skipped: true };
    let perfHalf = { skipped: true };
    if (process.env.BENCH_SKIP_PERF !== '1') {
      log('Kafka ProducerPerformance: 500,000 records of 512 bytes, acks=all, as fast as it goes');
      perf = await kafkaPerf(perfTopic, { records: 500_000, recordSize: 512, throughput: -1 });
      const halfEvents = Math.round((half.ok2xx * 100) / half.durationSec);
      if (halfEvents > 0) {
        const recordSize = wireSize(events);
        log(`Kafka ProducerPerformance at ingest's half rate: ${halfEvents} records/s of ${recordSize} bytes, acks=all`);
        perfHalf = await kafkaPerf(perfTopic, { records: halfEvents * seconds, recordSize, throughput: halfEvents });
      }
    }

    // Every accepted event must be in the raw topic.
    // Requests in flight when the load stopped finish first.
    await sleep(2000);
    const accepted = (await fetch(`${url}/metrics`).then((r) => r.text())).match(/sluice_ingest_events_total\{outcome="accepted"\} (\d+)/);
    const ends = await admin.fetchTopicOffsets(names.topic('raw'));
    const inTopic = ends.reduce((s, e) => s + Number(e.high), 0);

    const report = {
      prefix,
      cpus: require('node:os').cpus().length,
      workers: Number(process.env.INGEST_WORKERS ?? 1),
      batch100: { eventsPerSec: Math.round(fullEvents), requestsPerSec: Math.round(full.requestsPerSec), p50Ms: full.latencyMs.p50, p99Ms: full.latencyMs.p99, non2xx: full.non2xx, errors: full.errors, ingestCpuUsPerEvent: perUnit(full, 100) },
      batch100HalfRate: { eventsPerSec: Math.round((half.ok2xx * 100) / half.durationSec), requestsPerSec: Math.round(half.requestsPerSec), p50Ms: half.latencyMs.p50, p99Ms: half.latencyMs.p99, non2xx: half.non2xx, errors: half.errors, ingestCpuUsPerEvent: perUnit(half, 100) },
      singleEvent: { requestsPerSec: Math.round(one.ok2xx / one.durationSec), p50Ms: one.latencyMs.p50, p99Ms: one.latencyMs.p99, non2xx: one.non2xx, errors: one.errors, ingestCpuUsPerRequest: perUnit(one, 1) },
      loadAverageAfter: require('node:os').loadavg().map((x) => Math.round(x * 10) / 10),
      kafkaProducerPerformance: perf,
      kafkaProducerPerformanceAtHalfRate: perfHalf,
      rawTopicRecords: inTopic,
      acceptedByIngestMetric: accepted ? Number(accepted[1]) : null,
    };
    const targets = [
      ['accepted events/s, batches of 100', report.batch100.eventsPerSec, '>= 100,000', report.batch100.eventsPerSec >= 100_000],
      ['p99 ack at half rate (ms)', report.batch100HalfRate.p99Ms, '<= 50', report.batch100HalfRate.p99Ms <= 50],
      ['single-event requests/s', report.singleEvent.requestsPerSec, '>= 10,000', report.singleEvent.requestsPerSec >= 10_000],
    ];
    const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n));
    console.log('\nSluice ingest benchmark');
    console.log(`  batches of 100, full speed : ${fmt(report.batch100.eventsPerSec)} events/s (${fmt(report.batch100.requestsPerSec)} req/s), ack p50 ${report.batch100.p50Ms} ms, p99 ${report.batch100.p99Ms} ms; ingest CPU ${report.batch100.ingestCpuUsPerEvent} µs/event`);
    console.log(`  batches of 100, half rate  : ${fmt(report.batch100HalfRate.eventsPerSec)} events/s, ack p50 ${report.batch100HalfRate.p50Ms} ms, p99 ${report.batch100HalfRate.p99Ms} ms; ingest CPU ${report.batch100HalfRate.ingestCpuUsPerEvent} µs/event`);
    console.log(`  single events, full speed  : ${fmt(report.singleEvent.requestsPerSec)} req/s, ack p50 ${report.singleEvent.p50Ms} ms, p99 ${report.singleEvent.p99Ms} ms; ingest CPU ${report.singleEvent.ingestCpuUsPerRequest} µs/request`);
    console.log(`  machine: ${report.cpus} CPUs, load average after the run ${report.loadAverageAfter.join(' ')}`);
    console.log(`  Kafka ProducerPerformance  : ${perf.recordsPerSec ? `${fmt(perf.recordsPerSec)} records/s of 512 B (${perf.mbPerSec} MB/s), p50 ${perf.p50Ms} ms, p99 ${perf.p99Ms} ms (same broker, acks=all, unthrottled)` : JSON.stringify(perf)}`);
    console.log(`  same tool at the half rate : ${perfHalf.recordsPerSec ? `${fmt(perfHalf.recordsPerSec)} records/s of ${perfHalf.recordSize} B, p50 ${perfHalf.p50Ms} ms, p99 ${perfHalf.p99Ms} ms (the broker's own latency at that load)` : JSON.stringify(perfHalf)}`);
    console.log(`  raw topic holds ${fmt(inTopic)} records; ingest accepted ${fmt(report.acceptedByIngestMetric)} (must be equal)`);
    for (const [what, value, target, ok] of targets) console.log(`  target ${ok ? 'met   ' : 'MISSED'} ${what}: ${fmt(value)} (${target})`);
    const outDir = path.join(root, '.bench');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report));
  } finally {
    ingest.kill('SIGTERM');
    await new Promise((r) => ingest.once('exit', r));
    await admin.deleteTopics({ topics: [names.topic('raw'), perfTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
