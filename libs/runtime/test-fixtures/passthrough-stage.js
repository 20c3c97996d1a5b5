// A stage process for the at-least-once test: copies raw events to the enriched topic. With
// CRASH_AFTER_ACK=1 it kills itself with SIGKILL after its first batch's outputs are acknowledged and
// before the offsets are committed.
'use strict';
const { startStage } = require('../dist');

const crash = process.env.CRASH_AFTER_ACK === '1';
startStage(
  {
    stage: 'enrich',
    outputs: ['enriched'],
    async handle(batch) {
      return { produce: batch.map((r) => ({ topic: 'enriched', key: r.key ? r.key.toString() : null, value: { event: r.value, enrichment: {} }, from: r })) };
    },
    afterOutputsAcknowledged(batch) {
      if (crash && batch.length > 0) {
        process.stdout.write(`crashing after ${batch.length} acknowledged\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
  {
    brokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    registryUrl: process.env.REGISTRY_URL || 'http://127.0.0.1:8081',
    prefix: process.env.PREFIX,
    batchSize: Number(process.env.BATCH_SIZE || 100),
    logger: require('../dist').createLogger('passthrough', 'warn'),
    lagIntervalMs: 0,
  },
).catch((e) => {
  console.error(e);
  process.exit(1);
});
