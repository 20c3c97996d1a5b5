import { runStageService } from '@sluice/runtime';
import { loadWebhooks, notifyConfig } from './config';
import { serveOpsWithUpgrades } from './server';
import { loadProducerKeys } from './producers';
import { NotifyService } from './service';

let service: NotifyService;

void runStageService(
  'notify',
  notifyConfig,
  (config, { logger, ops }) => {
    const producers = loadProducerKeys(config);
    if (producers.keys.length === 0) logger.warn('no producer keys (NOTIFY_PRODUCER_KEYS[_FILE] or INGEST_API_KEYS[_FILE]): the confirmations socket refuses every producer');
    else logger.info({ producers: producers.keys.length, from: producers.from }, 'producer keys loaded for the confirmations socket');
    service = new NotifyService(
      {
        brokers: config.KAFKA_BROKERS,
        registryUrl: config.REGISTRY_URL,
        prefix: config.SLUICE_TOPIC_PREFIX,
        tokens: config.NOTIFY_TOKENS,
        dedupWindowMs: config.NOTIFY_DEDUP_WINDOW_MS,
        dedupMemoryMs: config.NOTIFY_DEDUP_MEMORY_MS,
        dedupMaxKeys: config.NOTIFY_DEDUP_MAX_KEYS,
        decisionLogMax: config.NOTIFY_DECISION_LOG_MAX,
        startFrom: config.NOTIFY_START_FROM,
        heartbeatMs: config.NOTIFY_HEARTBEAT_MS,
        maxClients: config.NOTIFY_MAX_CLIENTS,
        clientLimits: {
          highWaterBytes: config.NOTIFY_CLIENT_HIGH_WATER_BYTES,
          maxQueue: config.NOTIFY_CLIENT_MAX_QUEUE,
          maxQueuedBytes: config.NOTIFY_CLIENT_MAX_QUEUED_BYTES,
          closeGraceMs: config.NOTIFY_CLOSE_GRACE_MS,
        },
        catchupConcurrency: config.NOTIFY_CATCHUP_CONCURRENCY,
        catchupIdleTimeoutMs: config.NOTIFY_CATCHUP_IDLE_TIMEOUT_MS,
        webhooks: loadWebhooks(config.NOTIFY_WEBHOOKS, config.NOTIFY_WEBHOOKS_FILE),
        webhookPolicy: {
          maxAttempts: config.NOTIFY_WEBHOOK_MAX_ATTEMPTS,
          backoffMs: config.NOTIFY_WEBHOOK_BACKOFF_MS,
          backoffMaxMs: config.NOTIFY_WEBHOOK_BACKOFF_MAX_MS,
          timeoutMs: config.NOTIFY_WEBHOOK_TIMEOUT_MS,
          queueMax: config.NOTIFY_WEBHOOK_QUEUE_MAX,
          concurrency: config.NOTIFY_WEBHOOK_CONCURRENCY,
        },
        webhookCommitIntervalMs: config.NOTIFY_WEBHOOK_COMMIT_INTERVAL_MS,
        metricsTargets: config.NOTIFY_METRICS_TARGETS,
        statsIntervalMs: config.NOTIFY_STATS_INTERVAL_MS,
        producerKeys: producers.keys,
        confirmationsRetainMs: config.NOTIFY_CONFIRMATIONS_RETAIN_MS,
        confirmationsMaxIds: config.NOTIFY_CONFIRMATIONS_MAX_IDS,
        pipelineMaxEvents: config.NOTIFY_PIPELINE_MAX_EVENTS,
        pipelineAdmitPerSecond: config.NOTIFY_PIPELINE_ADMIT_PER_SEC,
        pipelineIdleMs: config.NOTIFY_PIPELINE_IDLE_MS,
      },
      logger,
    );
    service.mount(ops.app);
    serveOpsWithUpgrades(ops, service);
    return service.definition();
  },
  async (running) => {
    service.attach(running);
    return { stop: () => service.stop() };
  },
);
