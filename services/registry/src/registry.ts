import { createLogger, createOpsServer, type Logger } from '@sluice/runtime';
import { SchemaLog } from './log';
import { registryRoutes } from './routes';
import { RegistryService } from './service';

export const DEFAULT_REGISTRY_TOPIC = '_sluice_schemas';

export interface RegistryOptions {
  brokers: string[];
  /** Default `_sluice_schemas`. */
  topic?: string;
  /** Default 8081; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  logger?: Logger;
  /** How long a request may wait for the log (catching up, applying a proposal). Default 30 s. */
  requestTimeoutMs?: number;
}

export interface RunningRegistry {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts one registry instance: HTTP first (so /healthz and /readyz answer while it reads the log),
 * then the log. Resolves once the instance has applied the log as it stood at startup.
 */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const logger = options.logger ?? createLogger('registry');
  const host = options.host ?? '127.0.0.1';
  const log = new SchemaLog({ brokers: options.brokers, topic: options.topic ?? DEFAULT_REGISTRY_TOPIC, logger });
  const service = new RegistryService(log, logger, options.requestTimeoutMs);
  const ops = createOpsServer();
  ops.addReadiness('registry-log', () => {
    if (log.failed) return `registry log failed: ${log.failed.message}`;
    return service.isReady || `reading the registry log (applied up to offset ${log.position})`;
  });
  ops.app.use(registryRoutes(service, logger));

  const close = async () => {
    await ops.close();
    await log.close();
  };
  try {
    const port = await ops.listen(options.port ?? 8081, host);
    await log.start((entry) => service.apply(entry));
    await service.catchUpWithStartupLog();
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
    logger.info({ url, topic: log.topic, position: log.position }, 'schema registry ready');
    return { url, port, close };
  } catch (err) {
    await close();
    throw err;
  }
}
