import express from 'express';
import { naming } from '@sluice/contracts';
import {
  AvroSerde,
  LagTracker,
  RegistryClient,
  createLogger,
  createOpsServer,
  ensureTopics,
  kafkaAdminClient,
  type Logger,
  type OpsServer,
} from '@sluice/runtime';
import { checkIngestConfig, type IngestConfig } from './config';
import { EventValidator, RawEventEncoder } from './events';
import { createIngestRoutes } from './http';
import { ApiKeyring, RateLimiter, readApiKeys } from './producers';
import { LoadShedder, watchedGroups } from './shedding';
import { KafkaSink } from './sink';

export interface IngestApp {
  app: express.Express;
  sink: KafkaSink;
  shedder: LoadShedder;
  keyring: ApiKeyring;
  /** True when ingest can take events; otherwise what is missing. */
  readiness(): true | string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds ingest on an express app: API keys, rate limits, the Avro encoder (its schema registered under
 * the raw topic's subject), the raw topic's producer and the lag watcher. Kafka may be unreachable at
 * start: the producer and the admin client keep connecting in the background, and requests answer 503
 * meanwhile. The registry must answer at start: without the schema id nothing can be encoded.
 */
export async function createIngestApp(config: IngestConfig, deps: { logger?: Logger; app?: express.Express } = {}): Promise<IngestApp> {
  checkIngestConfig(config);
  const logger = deps.logger ?? createLogger('ingest', config.LOG_LEVEL);
  const app = deps.app ?? express();
  const names = naming(config.SLUICE_TOPIC_PREFIX);
  const keyring = new ApiKeyring(readApiKeys({ inline: config.INGEST_API_KEYS, file: config.INGEST_API_KEYS_FILE }));
  const limiter = new RateLimiter(config.INGEST_RATE_PER_SEC, config.INGEST_BURST);

  const serde = new AvroSerde(new RegistryClient(config.REGISTRY_URL), config.SLUICE_TOPIC_PREFIX);
  await serde.register(['raw']);

  const sink = new KafkaSink({
    brokers: config.KAFKA_BROKERS,
    clientId: `sluice-ingest-${process.pid}`,
    timeoutMs: config.INGEST_KAFKA_TIMEOUT_MS,
    lingerMs: config.INGEST_LINGER_MS,
    logger,
  });
  sink.connect().catch(() => undefined);

  const admin = kafkaAdminClient(config.KAFKA_BROKERS, `sluice-ingest-admin-${process.pid}`, logger);
  const shedder = new LoadShedder(
    new LagTracker(admin),
    watchedGroups(config.INGEST_SHED_GROUPS, names),
    {
      maxLagRecords: config.INGEST_SHED_MAX_LAG_RECORDS,
      maxLagSeconds: config.INGEST_SHED_MAX_LAG_SECONDS,
      resumeRatio: config.INGEST_SHED_RESUME_RATIO,
      retryAfterMinSeconds: 1,
      retryAfterMaxSeconds: config.INGEST_SHED_RETRY_AFTER_MAX_SECONDS,
    },
    logger,
    Math.max(60_000, config.INGEST_LAG_INTERVAL_MS * 6),
  );
  let stopped = false;
  // The admin client creates the raw topic when missing and measures lag; both wait for Kafka.
  const adminLoop = (async () => {
    let delay = 500;
    while (!stopped) {
      try {
        await admin.connect();
        await ensureTopics(admin, names, ['raw']);
        break;
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'admin client cannot reach Kafka; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
    if (!stopped && config.INGEST_LAG_INTERVAL_MS > 0) shedder.start(config.INGEST_LAG_INTERVAL_MS);
  })();

  createIngestRoutes(app, {
    keyring,
    limiter,
    shedder: config.INGEST_LAG_INTERVAL_MS > 0 ? shedder : undefined,
    sink,
    encoder: RawEventEncoder.forRawTopic(serde),
    rawTopic: names.topic('raw'),
    limits: { maxBatchEvents: config.INGEST_MAX_BATCH_EVENTS, maxBodyBytes: config.INGEST_MAX_BODY_BYTES },
    validator: new EventValidator({ window: { maxAgeMs: config.INGEST_MAX_AGE_MS, maxSkewMs: config.INGEST_MAX_SKEW_MS } }),
    logger,
  });

  return {
    app,
    sink,
    shedder,
    keyring,
    readiness: () => (sink.isConnected ? true : sink.problem ?? 'producer not connected'),
    async stop() {
      stopped = true;
      shedder.stop();
      // The admin loop may be inside kafkajs's own connect retries; give it a moment, then cut it off.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([adminLoop, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
      await sink.stop();
    },
  };
}

export interface RunningIngest extends IngestApp {
  ops: OpsServer;
  port: number;
  url: string;
}

/** Ingest on its own ops server (/metrics, /healthz, /readyz and the API), listening on PORT (0: any free port). */
export async function startIngest(config: IngestConfig, deps: { logger?: Logger } = {}): Promise<RunningIngest> {
  const ops = createOpsServer();
  const ingest = await createIngestApp(config, { logger: deps.logger, app: ops.app });
  ops.addReadiness('kafka', ingest.readiness);
  let port: number;
  try {
    port = await ops.listen(config.PORT, '127.0.0.1');
  } catch (err) {
    await ingest.stop();
    throw err;
  }
  return {
    ...ingest,
    ops,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await ops.close();
      await ingest.stop();
    },
  };
}
