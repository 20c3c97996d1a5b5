import { runStageService } from '@sluice/runtime';
import { enrichConfigFromEnv, enrichConfigSpec } from './config';
import { enrichStage } from './stage';

void runStageService('enrich', enrichConfigSpec, (config) => enrichStage(enrichConfigFromEnv(config)));
