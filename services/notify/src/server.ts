import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpsServer } from '@sluice/runtime';
import type { NotifyService } from './service';

/** One HTTP server for everything: the ops routes, the console, the API and WebSocket upgrades on /ws. */
export class NotifyHttpServer {
  readonly server: http.Server;

  constructor(app: http.RequestListener, service: NotifyService) {
    this.server = http.createServer(app);
    this.server.keepAliveTimeout = 65_000;
    this.server.on('upgrade', (req, socket, head) => service.handleUpgrade(req, socket, head));
  }

  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/**
 * The runtime's OpsServer starts its own http.Server inside listen() and exposes none, so WebSocket
 * upgrades cannot be attached to it. Until it does, the ops server's listen/close are pointed at a
 * NotifyHttpServer over the same express app: runService still decides the port and the shutdown order.
 */
export function serveOpsWithUpgrades(ops: OpsServer, service: NotifyService): NotifyHttpServer {
  const server = new NotifyHttpServer(ops.app, service);
  ops.listen = (port, host) => server.listen(port, host);
  ops.close = () => server.close();
  return server;
}
