/**
 * The benchmark suite (`pnpm bench`; never part of the tests). Phases run one after another, never two
 * heavy ones at once: raw Kafka, the runtime passthrough, enrich, score, persist, ingest, notify, end to
 * end. A full run writes bench-results/latest.{md,json}; --quick writes bench-results/quick.{md,json} and
 * a run limited by --only/--skip writes bench-results/partial.{md,json}. The table is also printed.
 *
 *   node tools/bench/dist/suite.js [--quick] [--only=phase,…] [--skip=phase,…] [--no-outage]
 * Environment: KAFKA_BROKERS, REGISTRY_URL, BENCH_PGPORT (the suite's own PostgreSQL cluster, 25432: outside the ephemeral port range).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { endToEnd, type E2EOptions } from './e2e';
import { ingestBench } from './ingest';
import { rawKafkaThroughput } from './kafka-perf';
import { notifyBench } from './notify';
import { BenchPostgres } from './pg';
import { ROOT } from './proc';
import { markdown, rows, type SuiteResults } from './report';
import { enrichStage, passthroughStage, persistStage, scoreStage } from './stages';

const PHASES = ['kafka', 'passthrough', 'enrich', 'score', 'persist', 'ingest', 'notify', 'e2e'] as const;
type Phase = (typeof PHASES)[number];

interface Profile {
  kafkaRecords: number;
  stageRecords: number;
  stageRuns: number;
  persistPaced: { rate: number; seconds: number };
  ingestSeconds: number;
  notify: { clients: number; rate: number; seconds: number };
  e2e: E2EOptions;
}

const PROFILES: Record<'quick' | 'full', Profile> = {
  quick: {
    kafkaRecords: 50_000,
    stageRecords: 30_000,
    stageRuns: 1,
    persistPaced: { rate: 5000, seconds: 5 },
    ingestSeconds: 4,
    notify: { clients: 200, rate: 20, seconds: 5 },
    e2e: {
      warmSeconds: 3,
      latencyRate: 5000,
      latencySeconds: 10,
      burstEveryMs: 1000,
      sustainedRate: 20_000,
      sustainedSeconds: 8,
      capacity: { rates: [1000, 2000], stepSeconds: 8 },
      outage: { beforeSeconds: 3, seconds: 8, recoverTimeoutSeconds: 15 },
      drainTimeoutSeconds: 15,
      finalDrainTimeoutSeconds: 20,
    },
  },
  full: {
    kafkaRecords: 200_000,
    stageRecords: 60_000,
    stageRuns: 3,
    persistPaced: { rate: 5000, seconds: 15 },
    ingestSeconds: 15,
    notify: { clients: 1000, rate: 25, seconds: 20 },
    e2e: {
      warmSeconds: 5,
      latencyRate: 5000,
      latencySeconds: 30,
      burstEveryMs: 1000,
      sustainedRate: 20_000,
      sustainedSeconds: 30,
      capacity: { rates: [1000, 2000, 3000, 4000, 5000, 6000, 8000, 10_000, 15_000, 20_000], stepSeconds: 30 },
      outage: { beforeSeconds: 10, seconds: 60, recoverTimeoutSeconds: 90 },
      drainTimeoutSeconds: 45,
      finalDrainTimeoutSeconds: 300,
    },
  },
};

function parseArgs(argv: string[]) {
  let mode: 'quick' | 'full' = 'full';
  let only: Phase[] | null = null;
  let skip: Phase[] = [];
  let outage = true;
  const phaseList = (v: string, flag: string) =>
    v.split(',').map((p) => {
      if (!(PHASES as readonly string[]).includes(p)) throw new Error(`${flag}: unknown phase ${JSON.stringify(p)}; expected some of ${PHASES.join(', ')}`);
      return p as Phase;
    });
  for (const a of argv) {
    if (a === '--quick') mode = 'quick';
    else if (a === '--full') mode = 'full';
    else if (a === '--no-outage') outage = false;
    else if (a.startsWith('--only=')) only = phaseList(a.slice(7), '--only');
    else if (a.startsWith('--skip=')) skip = phaseList(a.slice(7), '--skip');
    else throw new Error(`unknown argument ${JSON.stringify(a)}; expected --quick, --full, --only=…, --skip=…, --no-outage`);
  }
  return { mode, only, skip, outage };
}

function kafkaVersion(): string {
  const pom = fs.readFileSync(path.join(ROOT, 'deploy/kafka/pom.xml'), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Every process the suite starts inherits it: services run with two malloc arenas, as the Docker image
  // and deploy/lib.sh run them.
  process.env.MALLOC_ARENA_MAX ??= '2';
  // Every Node process started from here on stops itself if the suite dies without cleaning up.
  process.env.SLUICE_BENCH_SUITE_PID = String(process.pid);
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.join(__dirname, 'orphan-guard.js'))}`.trim();
  const profile = PROFILES[args.mode];
  if (!args.outage) profile.e2e.outage = null;
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const registryUrl = process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081';
  const pg = new BenchPostgres(Number(process.env.BENCH_PGPORT ?? 25432));
  const started = Date.now();
  const log = (m: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);
  const wanted = (p: Phase) => (args.only ? args.only.includes(p) : true) && !args.skip.includes(p);

  const results: SuiteResults = {
    date: new Date().toISOString(),
    mode: args.mode,
    durationSeconds: 0,
    machine: { nproc: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), loadAverageStart: load(), loadAverageEnd: [], node: process.version },
    kafka: { version: kafkaVersion(), brokers: brokers.join(',') },
    errors: {},
    skipped: PHASES.filter((p) => !wanted(p)),
  };
  log(`${args.mode} run; ${results.machine.nproc} CPUs, load average ${results.machine.loadAverageStart.join(' ')}; Kafka ${results.kafka.version}`);

  const needsPg = wanted('persist') || wanted('e2e');
  let pgStarted = false;
  if (needsPg && !(await pg.up())) {
    log(`starting the suite's own PostgreSQL cluster on port ${pg.port}`);
    await pg.start();
    pgStarted = true;
  }
  const env = { brokers, registryUrl, pg, log };

  const phase = async (name: Phase, fn: () => Promise<void>) => {
    if (!wanted(name)) return;
    const t0 = Date.now();
    log(`${name}: start (load average ${load().join(' ')})`);
    try {
      await fn();
      log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (e) {
      const err = e as Error;
      results.errors[name] = err.message;
      log(`${name}: FAILED after ${((Date.now() - t0) / 1000).toFixed(0)} s: ${err.stack ?? err.message}`);
    }
  };

  try {
    await phase('kafka', async () => {
      const raw = (results.rawKafka = await rawKafkaThroughput(brokers.join(','), profile.kafkaRecords));
      log(`raw Kafka: producer ${Math.round(raw.producerRecordsPerSec)} records/s, consumer ${Math.round(raw.consumerRecordsPerSec)} records/s`);
    });
    await phase('passthrough', async () => void (results.passthrough = await passthroughStage(env, profile.stageRecords, profile.stageRuns)));
    await phase('enrich', async () => void (results.enrich = await enrichStage(env, profile.stageRecords, profile.stageRuns)));
    await phase('score', async () => void (results.score = await scoreStage(env, profile.stageRecords, profile.stageRuns)));
    await phase('persist', async () => void (results.persist = await persistStage(env, profile.stageRecords, profile.stageRuns, profile.persistPaced.rate, profile.persistPaced.seconds)));
    await phase('ingest', async () => {
      results.ingest = await ingestBench(brokers, registryUrl, profile.ingestSeconds, log);
      log(`ingest: ${results.ingest.batch100.eventsPerSec} events/s in batches of 100; half rate p99 ${results.ingest.batch100HalfRate.p99Ms} ms; single ${results.ingest.singleEvent.requestsPerSec} req/s`);
    });
    await phase('notify', async () => {
      const n = profile.notify;
      results.notify = await notifyBench(brokers, registryUrl, n.clients, n.rate, n.seconds);
      log(`notify: p99 ${results.notify.latencyMs.p99} ms to ${n.clients} clients`);
    });
    await phase('e2e', async () => void (results.e2e = await endToEnd(env, profile.e2e)));
  } finally {
    if (pgStarted) await pg.stop().catch((e: Error) => log(`could not stop the suite's PostgreSQL: ${e.message}`));
  }

  results.machine.loadAverageEnd = load();
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  // Only a complete full run is "latest"; a smoke run or a partial one never overwrites it.
  const name = args.mode === 'quick' ? 'quick' : args.only || args.skip.length ? 'partial' : 'latest';
  const dir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.md`), markdown(results));
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ ...results, table: rows(results) }, null, 2) + '\n');
  console.log(markdown(results));
  log(`written to bench-results/${name}.md and ${name}.json`);
  // A phase that failed is a failed benchmark run, even though the others still report. Exit
  // explicitly: a client left connected by a failed phase must not keep the suite alive.
  process.exit(Object.keys(results.errors).length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
