import { createLogger, createOpsServer, startStage, type Logger, type RunningStage, type StageOptions } from '@sluice/runtime';
import { NotifyHttpServer } from './server';
import { NotifyService, type NotifyOptions } from './service';

export * from './service';
export * from './server';
export * from './config';
export * from './auth';
export * from './filter';
export * from './dedup';
export * from './position';
export * from './hub';
export * from './webhooks';
export * from './console/stats';
export * from './console/prometheus';
export * from './confirmations';
export * from './producers';
export * from './pipeline';
export * from './tail';
export { notifyMetrics } from './metrics';

export interface StartNotifyOptions extends NotifyOptions {
  port?: number;
  host?: string;
  logger?: Logger;
  /** Stage runtime tuning (batch wait, lag interval …). */
  stage?: Partial<StageOptions>;
}

export interface RunningNotify {
  service: NotifyService;
  stage: RunningStage;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/ws */
  wsUrl: string;
  /** ws://127.0.0.1:<port>/v1/confirmations */
  confirmationsUrl: string;
  stop(): Promise<void>;
}

/** The whole service in-process (tests and the e2e harness): stage, WebSocket hub, webhooks, console. */
export async function startNotify(options: StartNotifyOptions): Promise<RunningNotify> {
  const logger = options.logger ?? createLogger('notify');
  const service = new NotifyService(options, logger);
  const ops = createOpsServer();
  service.mount(ops.app);
  const http = new NotifyHttpServer(ops.app, service);
  const stage = await startStage(service.definition(), {
    brokers: options.brokers,
    registryUrl: options.registryUrl,
    prefix: options.prefix,
    logger,
    batchWaitMs: 5,
    lagIntervalMs: 0,
    ...options.stage,
  });
  service.attach(stage);
  let port: number;
  try {
    port = await http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (e) {
    await service.stop();
    await stage.stop();
    throw e;
  }
  return {
    service,
    stage,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    confirmationsUrl: `ws://127.0.0.1:${port}/v1/confirmations`,
    async stop() {
      await service.stop();
      await stage.stop();
      await http.close();
    },
  };
}
