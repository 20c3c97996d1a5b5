/**
 * Processes under test: Sluice services run from their built dist/main.js as separate processes, as in
 * production, with memory and CPU read from /proc (what the kernel charges them, whatever Node thinks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const LOG_DIR = path.join(ROOT, '.bench', 'logs');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resident memory of a process in MB (0 when it is gone). */
export function rssMB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every 200 ms and keeps the peak, across restarts of the same service. */
export class PeakRss {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The phase samples are counted for now, besides the whole run. */
  phase = '';
  readonly byPhase = new Map<string, number>();

  track(pid: () => number | undefined): this {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const mb = rssMB(pid());
      this.peak = Math.max(this.peak, mb);
      if (this.phase) this.byPhase.set(this.phase, Math.max(this.byPhase.get(this.phase) ?? 0, mb));
    }, 200);
    this.timer.unref();
    return this;
  }

  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }

  get mb(): number {
    return this.peak;
  }
}

/** Pids of running processes whose command line contains `needle` (to watch shared infrastructure). */
export function pidsOf(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  logFile: string;
  rss: PeakRss;
  cpuSeconds(): number;
  stop(): Promise<void>;
  /** Whether it has exited (crashed or stopped). */
  exited(): boolean;
  restart(): Promise<void>;
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url} exited (${child.exitCode ?? child.signalCode}); log:\n${logTail(logFile)}`);
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms; log:\n${logTail(logFile)}`);
}

/** Start services/<name>/dist/main.js on a free port and wait for /readyz. */
export async function startService(name: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
  const port = await freePort();
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}-${port}.log`);
  const main = path.join(ROOT, 'services', name, 'dist', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -b services/${name})`);
  const rss = new PeakRss();
  const proc: ServiceProcess = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child: undefined as unknown as ChildProcess,
    logFile,
    rss,
    cpuSeconds: () => cpuSeconds(proc.child.pid),
    exited: () => proc.child.exitCode !== null || proc.child.signalCode !== null,
    stop: () => stopChild(proc.child),
    restart: () => launch(),
  };
  async function launch() {
    const out = fs.openSync(logFile, 'a');
    proc.child = spawn(process.execPath, [...nodeArgs, main], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    rss.track(() => proc.child.pid);
    await waitReady(proc.url, proc.child, logFile);
  }
  await launch();
  return proc;
}

/** SIGTERM, then SIGKILL if it has not exited within the grace period. */
export function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Run a command to completion, collecting stdout; rejects with the stderr tail on failure.
 * `resultBeforeCrash`: a process killed by a signal after it printed its JSON result line still counts
 * (node-rdkafka sometimes segfaults while disconnecting at exit, after everything was acknowledged).
 */
export function runCommand(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; inheritStderr?: boolean; resultBeforeCrash?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', opts.inheritStderr ? 'inherit' : 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err = (err + d).slice(-4000)));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else if (opts.resultBeforeCrash && signal && /^\{.*\}$/m.test(out)) {
        console.error(`[bench] ${path.basename(args[0] ?? command)} died of ${signal} after printing its result; the result is used`);
        resolve(out);
      }
      else reject(new Error(`${path.basename(command)} ${args.map((a) => path.relative(ROOT, a) || a).join(' ')} failed (${code ?? signal}):\n${err}${out.slice(-2000)}`));
    });
  });
}

/** The last line of a child's stdout that parses as a JSON object. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not this one
    }
  }
  throw new Error(`no JSON result line in the output:\n${stdout.slice(-2000)}`);
}
