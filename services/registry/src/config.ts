import { commonConfig, env } from '@sluice/runtime';

/** Environment of the registry process (main.ts). */
export const registryConfig = {
  KAFKA_BROKERS: commonConfig.KAFKA_BROKERS,
  LOG_LEVEL: commonConfig.LOG_LEVEL,
  /** The compacted topic holding all registry state; every instance sharing it serves the same registry. */
  REGISTRY_TOPIC: env.string('_sluice_schemas'),
  REGISTRY_PORT: env.int(8081, 0, 65535),
  REGISTRY_HOST: env.string('127.0.0.1'),
};
