import { createLogger, loadConfig } from '@sluice/runtime';
import { registryConfig } from './config';
import { startRegistry } from './registry';

async function main(): Promise<void> {
  const config = loadConfig(registryConfig);
  const logger = createLogger('registry', config.LOG_LEVEL);
  const registry = await startRegistry({
    brokers: config.KAFKA_BROKERS,
    topic: config.REGISTRY_TOPIC,
    port: config.REGISTRY_PORT,
    host: config.REGISTRY_HOST,
    logger,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'schema registry stopping');
    // With Kafka unreachable, kafkajs may sit in its connection backoff before it lets go.
    const force = setTimeout(() => {
      logger.error('schema registry did not stop within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    registry.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'schema registry did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
