import { spawn, type ChildProcess } from 'node:child_process';
import { kafkaAdminClient, LagTracker } from '@sluice/runtime';

export interface DrainResult {
  records: number;
  seconds: number;
  recordsPerSec: number;
  peakRssMB: number;
}

/** Peak resident memory of a child process, sampled from /proc. */
export function trackRss(child: ChildProcess): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const status = require('node:fs').readFileSync(`/proc/${child.pid}/status`, 'utf8') as string;
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // process gone
    }
  }, 200);
  timer.unref();
  child.once('exit', () => clearInterval(timer));
  return () => peak;
}

/**
 * Start a stage process and time how long its group takes to consume `records` from its input topics
 * (lag back to zero). The clock starts when the group first commits, so process start-up and the
 * first rebalance are not counted.
 */
export async function timeDrain(opts: { brokers: string[]; command: string; args: string[]; env: NodeJS.ProcessEnv; group: string; topics: string[]; records: number; timeoutMs?: number }): Promise<DrainResult> {
  const child = spawn(opts.command, opts.args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const peakRss = trackRss(child);
  const admin = kafkaAdminClient(opts.brokers, 'bench-lag');
  await admin.connect();
  const lag = new LagTracker(admin, false);
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let startedAt: number | null = null;
  let startLag = opts.records;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`group ${opts.group} did not drain within the timeout`);
      const l = await lag.sample(opts.group, opts.topics);
      const committedAny = l.partitions.some((p) => p.committed > 0);
      if (startedAt === null && committedAny) {
        startedAt = Date.now();
        startLag = l.totalRecords;
      }
      if (startedAt !== null && l.totalRecords === 0) {
        const seconds = (Date.now() - startedAt) / 1000;
        return { records: startLag, seconds, recordsPerSec: startLag / seconds, peakRssMB: peakRss() };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
