import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../metrics';

export type ReadinessCheck = () => boolean | string;

/**
 * The HTTP face of every Sluice process: /metrics, /healthz (the process is alive), /readyz (it is
 * doing its job: consumer assigned, producer connected …). Services mount their own routes on `app`.
 */
export interface OpsServer {
  app: express.Express;
  /** Add a readiness condition; it returns true when ready or a string saying what is not. */
  addReadiness(name: string, check: ReadinessCheck): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createOpsServer(): OpsServer {
  const app = express();
  app.disable('x-powered-by');
  const checks = new Map<string, ReadinessCheck>();
  let server: Server | undefined;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const notReady: Record<string, string> = {};
    for (const [name, check] of checks) {
      const r = check();
      if (r !== true) notReady[name] = r === false ? 'not ready' : r;
    }
    if (Object.keys(notReady).length) res.status(503).json({ status: 'not ready', checks: notReady });
    else res.json({ status: 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  return {
    app,
    addReadiness: (name, check) => void checks.set(name, check),
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve((server!.address() as AddressInfo).port)));
        server.keepAliveTimeout = 65_000;
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
