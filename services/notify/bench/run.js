#!/usr/bin/env node
// Notification benchmark (not a test). Starts the built service (dist/main.js) on a fresh topic prefix,
// connects BENCH_CLIENTS WebSocket clients from a separate process (bench/clients.js), produces alerts
// into the alert topic at a steady BENCH_RATE per second for BENCH_SECONDS, and reports the latency from
// alert-on-topic (Kafka timestamp) to delivered on each client. Beside it, the raw Kafka producer and
// consumer throughput of the same broker in the same run (Kafka's own perf tools).
//
//   npx tsc -b services/notify && node services/notify/bench/run.js
'use strict';
const path = require('node:path');
const { fork, spawn } = require('node:child_process');
const { naming } = require('@sluice/contracts');
const { AvroSerde, RegistryClient, ReliableProducer, ensureTopics, kafkaAdminClient } = require('@sluice/runtime');

const env = process.env;
const cfg = {
  clients: Number(env.BENCH_CLIENTS ?? 1000),
  rate: Number(env.BENCH_RATE ?? 25),
  seconds: Number(env.BENCH_SECONDS ?? 30),
  perfRecords: Number(env.BENCH_PERF_RECORDS ?? 200000),
  port: Number(env.BENCH_PORT ?? 18383),
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: env.REGISTRY_URL ?? 'http://127.0.0.1:8081',
  target: 200,
};
const root = path.resolve(__dirname, '../../..');
const token = 'bench-token-0123456789abcdef';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`))));
  });
}

async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

function request(child, type, reply) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send({ type });
  });
}

function alert(i) {
  const now = Date.now();
  return {
    id: `bench-${i}`,
    dedupKey: `bench:keyword:k${i}`,
    rule: 'keyword-spike',
    ruleVersion: 'bench',
    severity: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][Math.abs(i) % 4],
    title: `Benchmark alert ${i}: keyword k${i} is spiking`,
    source: 'twitter',
    entity: { type: 'keyword', value: `k${i}` },
    evidence: { eventIds: [`evt-${i}`], windowStart: now - 60000, windowEnd: now, figures: { count: 42, threshold: 10 } },
    models: ['burst@1'],
    firedAt: now,
  };
}

async function kafkaPerf(topic) {
  const producer = await run('bash', [
    'deploy/kafka/kafka.sh', 'class', 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(cfg.perfRecords), '--record-size', '512', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${cfg.brokers[0]}`, 'acks=all',
  ]);
  const consumer = await run('bash', [
    'deploy/kafka/kafka.sh', 'class', 'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server', cfg.brokers[0], '--topic', topic, '--messages', String(cfg.perfRecords),
  ]);
  // "200000 records sent, 123456.7 records/sec (60.28 MB/sec), 12.34 ms avg latency, …"
  const p = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th)?/.exec(producer);
  // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const lines = consumer.trim().split('\n').filter((l) => /^\d{4}-\d\d-\d\d/.test(l));
  const c = lines.length ? lines[lines.length - 1].split(',').map((s) => s.trim()) : [];
  return {
    producer: p ? { recordsPerSec: Number(p[2]), mbPerSec: Number(p[3]), avgLatencyMs: Number(p[4]), p99LatencyMs: p[8] ? Number(p[8]) : null } : { raw: producer.trim().split('\n').slice(-2).join(' ') },
    consumer: c.length >= 6 ? { mbPerSec: Number(c[3]), recordsPerSec: Number(c[5]) } : { raw: consumer.trim().split('\n').slice(-2).join(' ') },
  };
}

/** p50/p99 of the service's sluice_notify_delivery_latency_seconds histogram, in ms. */
async function serverLatency(url) {
  const { parsePrometheusText, histogramBuckets, histogramQuantile } = require('../dist');
  const samples = parsePrometheusText(await (await fetch(url)).text());
  const buckets = histogramBuckets(samples, 'sluice_notify_delivery_latency_seconds', 'none').get('') ?? [];
  const q = (x) => {
    const v = histogramQuantile(x, buckets);
    return v === null ? null : Math.round(v * 1000);
  };
  return { p50: q(0.5), p99: q(0.99) };
}

/**
 * A plain node-rdkafka consumer on the alert topic (no group), measuring the same alert-on-topic to
 * received latency without the service: what Kafka itself gives on this machine at this moment.
 */
async function rawKafkaProbe(topic) {
  const Kafka = require('node-rdkafka');
  const consumer = new Kafka.KafkaConsumer({ 'group.id': `${topic}.probe`, 'metadata.broker.list': cfg.brokers.join(','), 'enable.auto.commit': false, 'fetch.wait.max.ms': 10 }, {});
  await new Promise((resolve, reject) => consumer.connect({ timeout: 10000 }, (err) => (err ? reject(err) : resolve())));
  const latencies = [];
  const watermark = (partition) => new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, partition, 5000, (err, o) => (err ? reject(err) : resolve({ topic, partition, offset: o.highOffset }))));
  // A topic created moments ago may not be known to every metadata cache yet.
  const withRetry = async (partition) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await watermark(partition);
      } catch (e) {
        if (attempt >= 10) throw e;
        await sleep(500);
      }
    }
  };
  const ends = await Promise.all([0, 1, 2].map(withRetry));
  consumer.assign(ends);
  consumer.setDefaultConsumeTimeout(10);
  let running = true;
  const loop = (async () => {
    while (running) {
      const messages = await new Promise((resolve) => consumer.consume(100, (err, m) => resolve(err ? [] : m)));
      const now = Date.now();
      for (const m of messages) latencies.push(now - m.timestamp);
      if (messages.length === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    reset: () => (latencies.length = 0),
    async stop() {
      running = false;
      await loop;
      await new Promise((resolve) => consumer.disconnect(() => resolve()));
      const sorted = Float64Array.from(latencies).sort();
      const q = (x) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))] : null);
      return { records: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1] : null };
    },
  };
}

async function main() {
  const prefix = `bench.notify.${Date.now().toString(36)}`;
  const names = naming(prefix);
  log(`prefix ${prefix}; ${cfg.clients} clients, ${cfg.rate} alerts/s for ${cfg.seconds} s`);
  const admin = kafkaAdminClient(cfg.brokers, 'bench-admin');
  await admin.connect();
  await ensureTopics(admin, names, ['alerts', 'dlq']);
  const serde = new AvroSerde(new RegistryClient(cfg.registryUrl), prefix);
  await serde.register(['alerts']);

  // BENCH_SERVICE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/notify-prof", profiles the service alone.
  const nodeArgs = (env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const service = spawn(process.execPath, [...nodeArgs, path.join(__dirname, '../dist/main.js')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, PORT: String(cfg.port), NOTIFY_TOKENS: `bench:${token}`, SLUICE_TOPIC_PREFIX: prefix, REGISTRY_URL: cfg.registryUrl, LOG_LEVEL: env.LOG_LEVEL ?? 'warn', NOTIFY_MAX_CLIENTS: String(cfg.clients + 10) },
  });
  const clients = fork(path.join(__dirname, 'clients.js'), [`ws://127.0.0.1:${cfg.port}/ws`, token, String(cfg.clients)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let producer;
  try {
    await waitReady(`http://127.0.0.1:${cfg.port}/readyz`, 60000);
    const ready = await request(clients, 'connect', 'ready');
    log(`${ready.subscribed} clients subscribed in ${ready.connectMs} ms`);

    const probe = await rawKafkaProbe(names.topic('alerts'));
    producer = new ReliableProducer({ brokers: cfg.brokers, clientId: 'bench-producer', lingerMs: 0 });
    await producer.connect();
    // Warm the producer's metadata for the topic so the first alert does not carry that cost.
    await producer.send([{ topic: names.topic('alerts'), key: 'warmup', value: serde.encode('alerts', alert(-1)) }]);
    await sleep(1000);
    await request(clients, 'reset', 'reset');
    probe.reset();
    const warm = { received: 0 };

    const total = cfg.rate * cfg.seconds;
    const loadAtStart = require('node:os').loadavg()[0];
    const started = Date.now();
    const acks = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / cfg.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      const a = alert(i);
      acks.push(producer.send([{ topic: names.topic('alerts'), key: a.dedupKey, value: serde.encode('alerts', a) }]));
    }
    await Promise.all(acks);
    const expected = warm.received + total * cfg.clients;
    const deadline = Date.now() + 30000;
    let progress;
    do {
      await sleep(500);
      progress = await request(clients, 'progress', 'progress');
    } while (progress.received < expected && Date.now() < deadline);
    const report = await request(clients, 'report', 'report');
    const serverSide = await serverLatency(`http://127.0.0.1:${cfg.port}/metrics`);
    const rawKafka = await probe.stop();

    service.kill('SIGTERM');
    clients.kill('SIGTERM');
    await producer.disconnect();
    producer = null;

    const perfTopic = `${prefix}.perf`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: perfTopic, numPartitions: 3, replicationFactor: 1 }] });
    log('running Kafka ProducerPerformance and ConsumerPerformance on the same broker …');
    const perf = await kafkaPerf(perfTopic);
    // The run's topics are of no further use; leave the broker as it was.
    await admin.deleteTopics({ topics: [perfTopic, names.topic('alerts'), names.topic('dlq')] }).catch((e) => log(`could not delete the bench topics: ${e.message}`));
    await admin.disconnect();

    const result = {
      machine: { cores: require('node:os').cpus().length, loadAverage1m: Number(loadAtStart.toFixed(1)) },
      notify: {
        clients: cfg.clients,
        alertsProduced: total,
        ratePerSec: cfg.rate,
        deliveries: report.deliveries - warm.received,
        expectedDeliveries: total * cfg.clients,
        duplicates: report.duplicates,
        perClientReceived: [report.perClientMin, report.perClientMax],
        latencyMs: { p50: report.p50, p90: report.p90, p99: report.p99, p999: report.p999, max: report.max },
        // The service's own view: alert-on-topic to handed to the sockets (histogram buckets, so approximate).
        serverFanOutMs: serverSide,
        target: `p99 <= ${cfg.target} ms`,
        met: report.p99 !== null && report.p99 <= cfg.target && report.deliveries >= expected,
      },
      kafka: { ...perf, endToEndOneConsumerMs: rawKafka },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `\nmachine: ${result.machine.cores} cores, 1-minute load average ${result.machine.loadAverage1m} when the run started (other processes share the machine)` +
      `\nnotify: ${cfg.clients} clients x ${total} alerts at ${cfg.rate}/s -> p50 ${report.p50} ms, p99 ${report.p99} ms, max ${report.max} ms ` +
        `(${result.notify.deliveries}/${result.notify.expectedDeliveries} delivered, ${report.duplicates} duplicates; target p99 <= ${cfg.target} ms: ${result.notify.met ? 'met' : 'NOT met'}; ` +
        `service-side fan-out p50 ${serverSide.p50} ms, p99 ${serverSide.p99} ms)` +
        `\nkafka raw, same alerts, one plain consumer without the service: p50 ${rawKafka.p50} ms, p99 ${rawKafka.p99} ms, max ${rawKafka.max} ms` +
        `\nkafka raw: producer ${perf.producer.recordsPerSec ?? '?'} records/s (${perf.producer.mbPerSec ?? '?'} MB/s, 512 B, acks=all), consumer ${perf.consumer.recordsPerSec ?? '?'} records/s (${perf.consumer.mbPerSec ?? '?'} MB/s)`,
    );
  } finally {
    if (producer) await producer.disconnect();
    if (service.exitCode === null) service.kill('SIGTERM');
    if (clients.exitCode === null) clients.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
