// A persist process for the crash test: runs the real stage (built dist) and, with CRASH_AFTER_COMMIT=1,
// kills itself with SIGKILL once its first batch is committed to PostgreSQL and its confirmations are
// acknowledged, before the runtime commits the Kafka offsets. It prints the offsets it handled.
'use strict';
const { startStage, createLogger } = require('@sluice/runtime');
const { persistStage } = require('../dist');

const logger = createLogger('crash-persist', 'warn');
const crash = process.env.CRASH_AFTER_COMMIT === '1';
const stage = persistStage({ databaseUrl: process.env.DATABASE_URL, logger, writeConnections: 2 });
const handle = stage.handle.bind(stage);
stage.handle = async (batch, ctx) => {
  const out = await handle(batch, ctx);
  process.stdout.write(`${JSON.stringify({ handled: batch.map((r) => [r.partition, r.offset]) })}\n`);
  return out;
};
stage.afterOutputsAcknowledged = (batch) => {
  if (crash && batch.length > 0) process.kill(process.pid, 'SIGKILL');
};
startStage(stage, {
  brokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
  registryUrl: process.env.REGISTRY_URL || 'http://127.0.0.1:8081',
  prefix: process.env.PREFIX,
  batchSize: Number(process.env.BATCH_SIZE || 50),
  batchWaitMs: 5,
  logger,
  lagIntervalMs: 0,
}).catch((e) => {
  console.error(e);
  process.exit(1);
});
