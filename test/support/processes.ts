/** Run Sluice services as separate processes (their built dist/main.js), as they run in production. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

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
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<void>;
  /** kill -9 and wait for exit. */
  kill9(): Promise<void>;
  /** Start again with the same environment and port. */
  restart(): Promise<void>;
  peakRssMB(): number;
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

export async function startService(name: string, env: Record<string, string>, opts: { port?: number; logDir?: string } = {}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? path.join(ROOT, 'test-artifacts', 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}-${port}.log`);
  const main = path.join(ROOT, 'services', name, 'dist', 'main.js');
  let peak = 0;
  let rssTimer: NodeJS.Timeout | undefined;
  const proc: ServiceProcess = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child: undefined as unknown as ChildProcess,
    logFile,
    async stop() {
      await exit(proc.child, 'SIGTERM');
    },
    async kill9() {
      await exit(proc.child, 'SIGKILL');
    },
    async restart() {
      await launch();
    },
    peakRssMB: () => peak,
  };
  async function launch() {
    const out = fs.openSync(logFile, 'a');
    proc.child = spawn(process.execPath, [main], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port) },
      stdio: ['ignore', out, out],
    });
    clearInterval(rssTimer);
    rssTimer = setInterval(() => {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // exited
      }
    }, 250);
    rssTimer.unref();
    await waitReady(proc.url, proc.child, logFile);
  }
  await launch();
  return proc;
}

function exit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}
