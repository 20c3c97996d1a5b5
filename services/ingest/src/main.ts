import { runService } from '@sluice/runtime';
import { ingestConfig } from './config';
import { createIngestApp } from './service';

void runService('ingest', ingestConfig, async (config, { logger, ops }) => {
  const ingest = await createIngestApp(config, { logger, app: ops.app });
  ops.addReadiness('kafka', ingest.readiness);
  return ingest;
});
