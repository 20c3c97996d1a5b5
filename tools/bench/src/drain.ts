import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kafkaAdminClient, LagTracker } from '@sluice/runtime';
import { LOG_DIR, PeakRss, ROOT, cpuSeconds, sleep, stopChild } from './proc';

export interface DrainResult {
  /** Records consumed between the group's first commit and lag zero. */
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Seconds from spawn to the group's first commit (start-up, rebalance, first batch). */
  startupSeconds: number;
  /** CPU the stage process used for the whole run, and records per CPU-second (contention-independent). */
  cpuSeconds: number;
  recordsPerCpuSecond: number;
  peakRssMB: number;
}

/** Peak resident memory of a child process, sampled from /proc. */
export function trackRss(child: ChildProcess): () => number {
  const peak = new PeakRss().track(() => child.pid);
  child.once('exit', () => peak.stop());
  return () => peak.mb;
}

export interface DrainOptions {
  brokers: string[];
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  group: string;
  topics: string[];
  records: number;
  timeoutMs?: number;
  /** Runs once the group has drained, before the process is stopped (a latency phase, say). */
  after?: (child: ChildProcess) => Promise<void>;
  /** Name for the process's log file under .bench/logs. */
  label?: string;
}

/**
 * Start a stage process and time how long its group takes to consume `records` from its input topics
 * (lag back to zero). The clock starts when the group first commits, so process start-up and the
 * first rebalance are not counted (they are reported separately).
 */
export async function timeDrain(opts: DrainOptions): Promise<DrainResult> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${opts.label ?? 'stage'}-${Date.now().toString(36)}.log`);
  const out = fs.openSync(logFile, 'a');
  const spawnedAt = Date.now();
  const child = spawn(opts.command, opts.args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const peakRss = trackRss(child);
  const admin = kafkaAdminClient(opts.brokers, 'bench-lag');
  await admin.connect();
  const lag = new LagTracker(admin, false);
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  let startedAt: number | null = null;
  let startCommitted = 0;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.label ?? opts.args.join(' ')} exited early (${child.exitCode ?? child.signalCode}); log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`group ${opts.group} did not drain within the timeout; log: ${logFile}`);
      const l = await lag.sample(opts.group, opts.topics).catch(() => null);
      if (l && l.partitions.length > 0) {
        const committed = l.partitions.reduce((s, p) => s + p.committed, 0);
        // A fresh topic's low watermark is 0, so any committed offset above it is the group's first commit.
        if (startedAt === null && committed > 0) {
          startedAt = Date.now();
          startCommitted = committed;
        }
        if (startedAt !== null && l.totalRecords === 0 && committed >= opts.records) {
          const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
          const cpu = cpuSeconds(child.pid);
          const consumed = committed - startCommitted;
          const result: DrainResult = {
            records: consumed,
            seconds,
            recordsPerSec: consumed / seconds,
            startupSeconds: (startedAt - spawnedAt) / 1000,
            cpuSeconds: cpu,
            recordsPerCpuSecond: opts.records / cpu,
            peakRssMB: 0,
          };
          if (opts.after) await opts.after(child);
          result.peakRssMB = peakRss();
          return result;
        }
      }
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
    await stopChild(child);
  }
}
