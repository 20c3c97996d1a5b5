#!/usr/bin/env node
/**
 * CPU cost of the enrich handler alone (no Kafka), and of Avro decoding/encoding the same records, per
 * event. For profiling the hot path: node --cpu-prof services/enrich/bench/handler-bench.js
 * Environment: BENCH_EVENTS (100000), BENCH_BATCH (1000).
 */
'use strict';
const { performance } = require('node:perf_hooks');
const { loadSchemas } = require('@sluice/contracts');
const { createEnrichHandler } = require('../dist');
const { makeEvents } = require('./events');

const N = Number(process.env.BENCH_EVENTS || 100_000);
const BATCH = Number(process.env.BENCH_BATCH || 1000);

async function main() {
  const { events } = makeEvents(N, 'hb');
  const { types } = loadSchemas();
  const now = Date.now();
  const records = events.map((e, i) => ({ topic: 'raw', topicKey: 'raw', partition: i % 6, offset: i, timestamp: now, key: null, headers: {}, value: e.value, raw: null }));
  const handle = createEnrichHandler({}, { observer: {} });

  // Warm up the JIT on a copy of the work.
  await handle(records.slice(0, 5000).map((r) => ({ ...r, partition: 99 })));

  let t = performance.now();
  const buffers = records.map((r) => types.RawEvent.toBuffer(r.value));
  const encodeRaw = performance.now() - t;
  t = performance.now();
  for (const b of buffers) types.RawEvent.fromBuffer(b);
  const decodeRaw = performance.now() - t;

  // Outputs are encoded batch by batch and dropped, as the stage does (keeping them all would make the
  // garbage collector's work, and so the handler's figure, bigger than in the service).
  let handler = 0;
  let handlerCpu = 0;
  let encodeEnriched = 0;
  for (let i = 0; i < records.length; i += BATCH) {
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await handle(records.slice(i, i + BATCH));
    const cpu = process.cpuUsage(cpu0);
    handler += performance.now() - t;
    handlerCpu += (cpu.user + cpu.system) / 1000;
    t = performance.now();
    for (const p of out.produce) types.EnrichedEvent.toBuffer(p.value);
    encodeEnriched += performance.now() - t;
  }

  const us = (ms) => ((ms * 1000) / N).toFixed(2).padStart(7);
  console.log(`${N} events, batches of ${BATCH}`);
  console.log(`  handler            ${us(handler)} µs/event wall, ${us(handlerCpu)} µs/event CPU (${Math.round(N / (handlerCpu / 1000)).toLocaleString('en-US')} events per CPU-second)`);
  console.log(`  Avro decode raw    ${us(decodeRaw)} µs/event`);
  console.log(`  Avro encode raw    ${us(encodeRaw)} µs/event`);
  console.log(`  Avro encode out    ${us(encodeEnriched)} µs/event`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
