#!/usr/bin/env node
'use strict';
/** Child process of bench.js: produces BENCH_EVENTS enriched events into the prefixed enriched topic. */
const { AvroSerde, RegistryClient, ReliableProducer } = require('@sluice/runtime');
const { naming } = require('@sluice/contracts');
const { makeEvents } = require('./events');

async function main() {
  const prefix = process.env.BENCH_PREFIX;
  const n = Number(process.env.BENCH_EVENTS);
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const names = naming(prefix);
  const serde = new AvroSerde(new RegistryClient(process.env.REGISTRY_URL || 'http://127.0.0.1:8081'), prefix);
  await serde.register(['enriched']);
  const producer = new ReliableProducer({ brokers, clientId: 'score-bench-preload', lingerMs: 20 });
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  try {
    for (let i = 0; i < n; i += 20_000) {
      const chunk = makeEvents(Math.min(20_000, n - i), i).map((e) => {
        const value = serde.encode('enriched', e.value);
        bytes += value.length;
        return { topic: names.topic('enriched'), key: e.key, value };
      });
      await producer.send(chunk);
    }
  } finally {
    await producer.disconnect();
  }
  process.stdout.write(JSON.stringify({ seconds: (Date.now() - started) / 1000, avgBytes: bytes / n }) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
