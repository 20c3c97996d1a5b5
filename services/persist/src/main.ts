import { runStageService } from '@sluice/runtime';
import { persistConfig } from './config';
import { createQueryApi } from './query/api';
import { CacheVersions } from './query/cache';
import { persistStage, type PersistStage } from './stage';

// config → runtime → handler, plus the query API on the ops server's port.
let stage: PersistStage;
void runStageService(
  'persist',
  persistConfig,
  (config, { logger }) => {
    stage = persistStage({
      databaseUrl: config.DATABASE_URL,
      retentionDays: config.PERSIST_RETENTION_DAYS,
      partitionsAheadDays: config.PERSIST_PARTITIONS_AHEAD_DAYS,
      minuteTrendsRetentionHours: config.PERSIST_MINUTE_TRENDS_RETENTION_HOURS,
      maintenanceIntervalMs: config.PERSIST_MAINTENANCE_INTERVAL_MS,
      trendCompactionIntervalMs: config.PERSIST_TREND_COMPACTION_MS,
      hourTrendCompactionIntervalMs: config.PERSIST_HOUR_TREND_COMPACTION_MS,
      migrateOnStart: config.PERSIST_MIGRATE_ON_START,
      writeConnections: config.PERSIST_WRITE_CONNECTIONS,
      versions: new CacheVersions(),
      logger,
    });
    return stage;
  },
  async (_running, config, { logger, ops }) => {
    ops.addReadiness('database', stage.databaseReady);
    if (!config.PERSIST_API_TOKENS) logger.warn('PERSIST_API_TOKENS is not set: the query API answers 503 until it is');
    const api = createQueryApi({
      databaseUrl: config.DATABASE_URL,
      poolSize: config.PERSIST_QUERY_POOL_SIZE,
      statementTimeoutMs: config.PERSIST_QUERY_TIMEOUT_MS,
      tokens: config.PERSIST_API_TOKENS,
      versions: stage.versions,
      cacheTtlMs: config.PERSIST_CACHE_TTL_MS,
      cacheMaxEntries: config.PERSIST_CACHE_MAX_ENTRIES,
      logger,
    });
    ops.app.use(api.router);
    return { stop: () => api.close() };
  },
);
