/**
 * Benchmark of the shared stage runtime alone: a passthrough stage (decode raw, encode enriched,
 * produce, wait for acks, commit) in its own process, fed from a topic preloaded by this process.
 * Usage: node tools/bench/dist/stage-passthrough.js [records]
 */
import * as path from 'node:path';
import { naming } from '@sluice/contracts';
import { rawKafkaThroughput } from './kafka-perf';
import { preloadRaw } from './preload';
import { timeDrain } from './drain';
import { median, round } from './stats';

async function main() {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const registryUrl = process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081';
  const records = Number(process.argv[2] ?? 200_000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const fixture = path.resolve(__dirname, '../../../libs/runtime/test-fixtures/passthrough-stage.js');
  const rates: number[] = [];
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const prefix = `bench.passthrough.${Date.now().toString(36)}`;
    await preloadRaw(brokers, registryUrl, prefix, records);
    const names = naming(prefix);
    const result = await timeDrain({
      brokers,
      command: process.execPath,
      args: [fixture],
      env: { PREFIX: prefix, BATCH_SIZE: '2000' },
      group: names.group('enrich'),
      topics: [names.topic('raw')],
      records,
    });
    rates.push(result.recordsPerSec);
    rss = Math.max(rss, result.peakRssMB);
    console.error(`run ${r + 1}: ${round(result.recordsPerSec, 0)} records/s`);
  }
  const raw = await rawKafkaThroughput(brokers.join(','));
  const table = {
    benchmark: 'stage runtime passthrough (raw -> enriched, one process)',
    records,
    runs,
    medianRecordsPerSec: round(median(rates), 0),
    allRuns: rates.map((r) => round(r, 0)),
    peakRssMB: round(rss, 0),
    rawKafka: raw,
  };
  console.log(JSON.stringify(table, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
