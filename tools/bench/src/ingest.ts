/**
 * Ingest over HTTP, by ingest's own benchmark (services/ingest/bench/run.js): ingest as a child process,
 * the load from autocannon in a process of its own. Kafka's tool is skipped there: the suite measures
 * the raw broker once for every figure.
 */
import * as path from 'node:path';
import { ROOT, freePort, lastJson, runCommand } from './proc';

interface Phase {
  eventsPerSec?: number;
  requestsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  non2xx: number;
  errors: number;
}

export interface IngestResult {
  seconds: number;
  batch100: Phase & { eventsPerSec: number };
  batch100HalfRate: Phase & { eventsPerSec: number };
  singleEvent: Phase;
  rawTopicRecords: number;
  acceptedByIngestMetric: number | null;
}

export async function ingestBench(brokers: string[], registryUrl: string, seconds: number, log: (m: string) => void): Promise<IngestResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await runCommand(process.execPath, [path.join(ROOT, 'services/ingest/bench/run.js')], {
        env: { KAFKA_BROKERS: brokers.join(','), REGISTRY_URL: registryUrl, BENCH_SECONDS: String(seconds), BENCH_SKIP_PERF: '1', BENCH_PORT: String(await freePort()), LOG_LEVEL: 'warn' },
        timeoutMs: (seconds * 3 + 120) * 1000,
      });
      return { ...lastJson<IngestResult>(out), seconds };
    } catch (err) {
      // Its topic set-up uses kafkajs's leader wait, which a busy broker sometimes answers with
      // UNKNOWN_TOPIC_OR_PARTITION for a moment; nothing was measured yet, so it is simply run again.
      if (attempt >= 3 || !/UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/.test((err as Error).message)) throw err;
      log(`ingest: topic set-up failed (${(err as Error).message.split('\n')[1] ?? ''}); attempt ${attempt + 1}`);
    }
  }
}
