/**
 * The benchmark's own PostgreSQL cluster: the same package and settings as deploy/postgres, on a port
 * of its own, so the outage phase can stop it for 60 seconds without touching the cluster that tests
 * and the local stack share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import { ROOT, runCommand } from './proc';

const SCRIPT = path.join(ROOT, 'deploy/postgres/postgres.sh');

export class BenchPostgres {
  readonly baseUrl: string;
  /** The cluster's superuser (trust authentication on 127.0.0.1, as deploy/postgres sets it up). */
  private readonly adminUrl: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly port: number) {
    this.baseUrl = `postgres://sluice:sluice@127.0.0.1:${port}/sluice`;
    this.adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const dataDir = process.getuid?.() === 0 ? '/var/lib/sluice/postgres-bench' : path.join(process.env.HOME ?? '/tmp', '.cache/sluice/run/postgres-bench');
    this.env = { PGPORT: String(port), PG_DATA_DIR: process.env.BENCH_PG_DATA_DIR ?? dataDir };
  }

  async start(): Promise<void> {
    await runCommand('bash', [SCRIPT, 'start'], { env: this.env, timeoutMs: 180_000 });
    this.guard();
  }

  /**
   * The orphan guard for the cluster while it runs: an idle detached process that stops the cluster on
   * SIGTERM. The suite's NODE_OPTIONS preload it with orphan-guard.js, which sends it that SIGTERM when the
   * suite is gone, so a suite killed with -9 does not leave PostgreSQL running.
   */
  private guardProcess: ChildProcess | undefined;
  private guard(): void {
    if (this.guardProcess) return;
    const script = `
      process.on('SIGTERM', () => {
        try { require('node:child_process').execFileSync('bash', [${JSON.stringify(SCRIPT)}, 'stop'], { stdio: 'ignore', timeout: 30000 }); } catch {}
        process.exit(0);
      });
      setInterval(() => {}, 1 << 30);`;
    this.guardProcess = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...this.env }, detached: true, stdio: 'ignore' });
    this.guardProcess.unref();
  }

  async stop(): Promise<void> {
    // SIGKILL: SIGTERM is the guard's signal to stop the cluster; a guard outliving this suite must not stop
    // the cluster a next suite has started.
    this.guardProcess?.kill('SIGKILL');
    this.guardProcess = undefined;
    await runCommand('bash', [SCRIPT, 'stop'], { env: this.env, timeoutMs: 120_000 });
  }

  async up(): Promise<boolean> {
    return runCommand('bash', [SCRIPT, 'status'], { env: this.env, timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
  }

  /** A fresh database owned by the sluice role; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const c = new Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name} OWNER sluice`);
    } finally {
      await c.end();
    }
    return this.baseUrl.replace(/\/[^/]*$/, `/${name}`);
  }

  /** As the superuser: FORCE must also end autovacuum workers, which the sluice role may not signal. */
  async dropDatabase(name: string): Promise<void> {
    const c = new Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  }
}
