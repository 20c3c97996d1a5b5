#!/usr/bin/env node
'use strict';
/**
 * Handler-only throughput (no Kafka): the score handler over N in-memory enriched events in batches of
 * 1000, with the default models and rules. Shows what the models cost apart from consuming and producing.
 *   npx tsc -b services/score && node services/score/bench/handler-bench.js
 */
const { Scorer, ModelRegistry, RuleSource, StreamStore, DEFAULT_STREAM_PARAMS, DEFAULT_MODEL_DIR, DEFAULT_RULES_FILE } = require('../dist');
const { inRecord } = require('../dist/testkit');
const { makeEvents } = require('./events');

async function main() {
  const n = Number(process.env.BENCH_EVENTS || 100_000);
  const events = makeEvents(n, 0).map((e) => e.value);
  const models = await ModelRegistry.open(DEFAULT_MODEL_DIR);
  const rules = await RuleSource.open(DEFAULT_RULES_FILE);
  const store = new StreamStore({ params: DEFAULT_STREAM_PARAMS, seasonalTypes: new Set(['source']), maxEntities: 200_000 });
  const scorer = new Scorer({ models, rules, onnx: [], store, checkpointIntervalMs: 5000, maxKeywords: 20 });
  const offsets = new Array(6).fill(0);
  const records = events.map((e, i) => inRecord(e, i % 6, offsets[i % 6]++));
  // The first half warms the JIT and the entity state; the second half is measured.
  const half = Math.floor(n / 2);
  for (let i = 0; i < half; i += 1000) await scorer.handle(records.slice(i, Math.min(half, i + 1000)));
  let produced = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = half; i < n; i += 1000) produced += (await scorer.handle(records.slice(i, Math.min(n, i + 1000)))).produce.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`handler: ${fmt((n - half) / seconds)} events/s wall, ${fmt((n - half) / cpuSeconds)} events per CPU-second (${n - half} events measured, ${produced} outputs)`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
