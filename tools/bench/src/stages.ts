/**
 * Per-stage throughput: one stage process drains a topic preloaded (by another process) with N events
 * into a fresh prefix; events/s from its group's first commit to lag zero, the median over runs.
 */
import * as path from 'node:path';
import { naming, type TopicKey } from '@sluice/contracts';
import { AvroSerde, RegistryClient, ensureTopics, kafkaAdminClient } from '@sluice/runtime';
import { ConfirmationWatcher } from './confirmations';
import { timeDrain, type DrainResult } from './drain';
import type { BenchPostgres } from './pg';
import { preloadRaw } from './preload';
import { ROOT, lastJson, runCommand, sleep } from './proc';
import { median, summarize } from './stats';

export interface Env {
  brokers: string[];
  registryUrl: string;
  pg: BenchPostgres;
  log: (msg: string) => void;
}

export interface StageResult {
  stage: string;
  records: number;
  runs: DrainResult[];
  recordsPerSec: number;
  recordsPerCpuSecond: number;
  peakRssMB: number;
  /** persist only: commit latency of events produced at a paced rate. */
  latency?: { ratePerSec: number; sent: number; measured: number; p50: number; p95: number; p99: number; max: number };
  latencyError?: string;
}

const stamp = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

async function freshTopics(env: Env, prefix: string, keys: TopicKey[]) {
  const admin = kafkaAdminClient(env.brokers, 'bench-admin');
  await admin.connect();
  try {
    await ensureTopics(admin, naming(prefix), keys);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a run's topics so a full suite does not leave gigabytes on the shared broker. */
async function dropTopics(env: Env, prefix: string) {
  const admin = kafkaAdminClient(env.brokers, 'bench-admin');
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

function summarizeRuns(stage: string, records: number, runs: DrainResult[]): StageResult {
  return {
    stage,
    records,
    runs,
    recordsPerSec: median(runs.map((r) => r.recordsPerSec)),
    recordsPerCpuSecond: median(runs.map((r) => r.recordsPerCpuSecond)),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
  };
}

const common = (env: Env, prefix: string) => ({ KAFKA_BROKERS: env.brokers.join(','), REGISTRY_URL: env.registryUrl, SLUICE_TOPIC_PREFIX: prefix, PORT: '0', STAGE_LAG_INTERVAL_MS: '0' });

interface DrainSpec {
  stage: string;
  /** What a record is called in the log line (records, events). */
  unit: string;
  /** Topics and input for a run's fresh prefix. */
  prepare(prefix: string): Promise<void>;
  command: string[];
  env(prefix: string): Record<string, string>;
  group: 'enrich' | 'score';
  input: TopicKey;
}

/** `runs` times: a fresh prefix, its input preloaded, one stage process timed until it has drained it. */
async function drainRuns(env: Env, spec: DrainSpec, records: number, runs: number): Promise<StageResult> {
  const results: DrainResult[] = [];
  for (let r = 0; r < runs; r++) {
    const prefix = `bench.${spec.stage}.${stamp()}`;
    await spec.prepare(prefix);
    const names = naming(prefix);
    const res = await timeDrain({
      brokers: env.brokers,
      command: process.execPath,
      args: spec.command,
      env: spec.env(prefix),
      group: names.group(spec.group),
      topics: [names.topic(spec.input)],
      records,
      label: spec.stage,
    });
    env.log(`${spec.stage} run ${r + 1}/${runs}: ${Math.round(res.recordsPerSec)} ${spec.unit}/s, ${Math.round(res.recordsPerCpuSecond)} per CPU-second, peak RSS ${Math.round(res.peakRssMB)} MB`);
    results.push(res);
    await dropTopics(env, prefix);
  }
  return summarizeRuns(spec.stage, records, results);
}

/** The shared runtime alone: decode raw, encode enriched, produce, wait for acks, commit. */
export function passthroughStage(env: Env, records: number, runs: number): Promise<StageResult> {
  return drainRuns(
    env,
    {
      stage: 'passthrough',
      unit: 'records',
      prepare: async (prefix) => void (await preloadRaw(env.brokers, env.registryUrl, prefix, records)),
      command: [path.join(ROOT, 'libs/runtime/test-fixtures/passthrough-stage.js')],
      env: (prefix) => ({ PREFIX: prefix, BATCH_SIZE: '1000', KAFKA_BROKERS: env.brokers.join(','), REGISTRY_URL: env.registryUrl }),
      group: 'enrich',
      input: 'raw',
    },
    records,
    runs,
  );
}

export function enrichStage(env: Env, records: number, runs: number): Promise<StageResult> {
  return drainRuns(
    env,
    {
      stage: 'enrich',
      unit: 'events',
      prepare: async (prefix) => {
        await freshTopics(env, prefix, ['raw', 'enriched', 'dlq']);
        await preloadRaw(env.brokers, env.registryUrl, prefix, records);
      },
      command: [path.join(ROOT, 'services/enrich/dist/main.js')],
      env: (prefix) => common(env, prefix),
      group: 'enrich',
      input: 'raw',
    },
    records,
    runs,
  );
}

export function scoreStage(env: Env, records: number, runs: number): Promise<StageResult> {
  return drainRuns(
    env,
    {
      stage: 'score',
      unit: 'events',
      prepare: async (prefix) => {
        await freshTopics(env, prefix, ['enriched', 'scored', 'alerts', 'modelState', 'dlq']);
        // Score's own benchmark events (labelled texts, spam, keyword bursts), produced by a process of their own.
        await runCommand(process.execPath, [path.join(ROOT, 'services/score/bench/preload.js')], {
          env: { BENCH_PREFIX: prefix, BENCH_EVENTS: String(records), KAFKA_BROKERS: env.brokers.join(','), REGISTRY_URL: env.registryUrl },
          timeoutMs: 600_000,
          resultBeforeCrash: true,
        });
      },
      command: [path.join(ROOT, 'services/score/dist/main.js')],
      env: (prefix) => common(env, prefix),
      group: 'score',
      input: 'enriched',
    },
    records,
    runs,
  );
}

/**
 * Persist: rows/s draining preloaded scored events into a fresh database; on the first run, once
 * drained, events produced at `pacedRate` for `pacedSeconds` by a separate process measure the time
 * from send to the database commit (read off the confirmations topic).
 */
export async function persistStage(env: Env, records: number, runs: number, pacedRate: number, pacedSeconds: number): Promise<StageResult> {
  const results: DrainResult[] = [];
  let latency: StageResult['latency'];
  let latencyError: string | undefined;
  const producer = path.join(ROOT, 'services/persist/bench/produce.js');
  const childEnv = { KAFKA_BROKERS: env.brokers.join(','), REGISTRY_URL: env.registryUrl };
  for (let r = 0; r < runs; r++) {
    const prefix = `bench.persist.${stamp()}`;
    const db = `bench_persist_${stamp()}`;
    await freshTopics(env, prefix, ['scored', 'alerts', 'confirmations', 'dlq']);
    const serde = new AvroSerde(new RegistryClient(env.registryUrl), prefix);
    await serde.register(['confirmations']);
    const dbUrl = await env.pg.createDatabase(db);
    try {
      await runCommand(process.execPath, [producer, 'preload', prefix, String(records)], { env: childEnv, timeoutMs: 600_000, resultBeforeCrash: true });
      const names = naming(prefix);
      const measureLatency = r === 0 && pacedSeconds > 0;
      const res = await timeDrain({
        brokers: env.brokers,
        command: process.execPath,
        // The young-generation size `npm start` gives persist (deploy/lib.sh).
        args: ['--max-semi-space-size=16', path.join(ROOT, 'services/persist/dist/main.js')],
        env: { ...common(env, prefix), DATABASE_URL: dbUrl },
        group: names.group('persist'),
        topics: [names.topic('scored'), names.topic('alerts')],
        records,
        label: 'persist',
        after: measureLatency
          ? async () => {
              const watcher = new ConfirmationWatcher(env.brokers, serde);
              await watcher.start();
              try {
                const out = await runCommand(process.execPath, [producer, 'paced', prefix, String(pacedRate), String(pacedSeconds)], { env: childEnv, timeoutMs: 300_000, resultBeforeCrash: true });
                const paced = lastJson<{ sent: number; seconds: number }>(out);
                await watcher.waitFor('lat', paced.sent, 30_000);
                const s = summarize(watcher.latencies.get('lat') ?? []);
                latency = { ratePerSec: Math.round(paced.sent / paced.seconds), sent: paced.sent, measured: s.n, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max };
                env.log(`persist commit latency at ${latency.ratePerSec} events/s: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms (${s.n}/${paced.sent} events)`);
              } catch (err) {
                // The throughput run stands; the latency part is reported as failed.
                latencyError = (err as Error).message.split('\n')[0];
                env.log(`persist latency phase failed: ${latencyError}`);
              } finally {
                await watcher.stop();
              }
            }
          : undefined,
      });
      env.log(`persist run ${r + 1}/${runs}: ${Math.round(res.recordsPerSec)} rows/s, ${Math.round(res.recordsPerCpuSecond)} per CPU-second (persist process only), peak RSS ${Math.round(res.peakRssMB)} MB`);
      results.push(res);
    } finally {
      await sleep(200);
      await env.pg.dropDatabase(db).catch(() => undefined);
      await dropTopics(env, prefix);
    }
  }
  return { ...summarizeRuns('persist', records, results), latency, latencyError };
}
