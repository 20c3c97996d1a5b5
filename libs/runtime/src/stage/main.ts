import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import type { GroupStage } from '@sluice/contracts';
import { commonConfig, env, loadConfig, type ConfigSpec } from '../config';
import { createLogger, type Logger } from '../log';
import { createOpsServer, type OpsServer } from '../http';
import { startStage, type RunningStage } from './runner';
import type { StageDefinition } from './types';

/** Tuning every consuming stage accepts, with its defaults. */
export const stageConfig = {
  ...commonConfig,
  STAGE_BATCH_SIZE: env.int(1000, 1, 100_000),
  STAGE_BATCH_WAIT_MS: env.int(20, 0, 60_000),
  STAGE_MAX_IN_FLIGHT_PER_PARTITION: env.int(5000, 1, 1_000_000),
  /** Records read ahead into the process, all partitions together (0: four batches). */
  STAGE_MAX_QUEUED: env.int(0, 0, 10_000_000),
  STAGE_PIPELINE_DEPTH: env.int(3, 1, 32),
  STAGE_PREFETCH_KBYTES: env.int(16_384, 256, 1_048_576),
  STAGE_MAX_ATTEMPTS: env.int(5, 1, 100),
  STAGE_LAG_INTERVAL_MS: env.int(5000, 0, 600_000),
};

type Config<S extends ConfigSpec> = z.infer<z.ZodObject<S>>;

export interface ServiceHandle {
  stop(): Promise<void>;
}

/**
 * Wires a process: config from the environment (startup fails naming bad variables), JSON logs, the ops
 * HTTP server, and a graceful shutdown on SIGTERM/SIGINT.
 */
export async function runService<S extends ConfigSpec>(
  name: string,
  spec: S,
  start: (config: Config<S>, deps: { logger: Logger; ops: OpsServer }) => Promise<ServiceHandle>,
): Promise<void> {
  const logger = createLogger(name);
  let config: Config<S>;
  try {
    config = loadConfig(spec);
  } catch (e) {
    logger.fatal((e as Error).message);
    process.exit(2);
  }
  applyHeapGrowth((config as { SLUICE_HEAP_GROWING_PERCENT?: number }).SLUICE_HEAP_GROWING_PERCENT ?? 0);
  const ops = createOpsServer();
  let handle: ServiceHandle;
  try {
    handle = await start(config, { logger, ops });
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, `${name} failed to start`);
    process.exit(1);
  }
  const port = (config as { PORT?: number }).PORT ?? 0;
  const bound = await ops.listen(port);
  logger.info({ port: bound }, `${name} started`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await handle.stop();
      await ops.close();
    } catch (e) {
      logger.error({ err: (e as Error).message }, 'error during shutdown');
    }
    logger.info(`${name} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Bounds V8's heap growth (SLUICE_HEAP_GROWING_PERCENT): after each full collection the next one comes
 * once the heap has grown by this percentage of what survived. V8 reads the flag whenever it sets a new
 * limit, so setting it at startup is enough. 0 leaves V8's own factor (up to 4x the live heap).
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** main() of a consuming stage: config → runtime → handler. */
export function runStageService<S extends ConfigSpec>(
  stage: GroupStage,
  spec: S,
  define: (config: Config<S & typeof stageConfig>, deps: { logger: Logger; ops: OpsServer }) => Promise<StageDefinition<never>> | StageDefinition<never>,
  after?: (running: RunningStage, config: Config<S & typeof stageConfig>, deps: { logger: Logger; ops: OpsServer }) => Promise<ServiceHandle | void>,
): Promise<void> {
  return runService(stage, { ...stageConfig, ...spec } as S & typeof stageConfig, async (config, deps) => {
    const c = config as Config<typeof stageConfig>;
    const definition = await define(config, deps);
    const running = await startStage(definition, {
      brokers: c.KAFKA_BROKERS,
      registryUrl: c.REGISTRY_URL,
      prefix: c.SLUICE_TOPIC_PREFIX,
      logger: deps.logger,
      batchSize: c.STAGE_BATCH_SIZE,
      batchWaitMs: c.STAGE_BATCH_WAIT_MS,
      maxInFlightPerPartition: c.STAGE_MAX_IN_FLIGHT_PER_PARTITION,
      maxQueued: c.STAGE_MAX_QUEUED || undefined,
      pipelineDepth: c.STAGE_PIPELINE_DEPTH,
      prefetchKBytes: c.STAGE_PREFETCH_KBYTES,
      maxAttempts: c.STAGE_MAX_ATTEMPTS,
      lagIntervalMs: c.STAGE_LAG_INTERVAL_MS,
    });
    deps.ops.addReadiness('consumer', () => running.isReady() || 'not in the consumer group');
    running.failed.then((e) => {
      deps.logger.fatal({ err: e.message }, `${stage} failed`);
      process.exit(1);
    });
    const extra = await after?.(running, config, deps);
    return {
      async stop() {
        await extra?.stop();
        await running.stop();
      },
    };
  });
}
