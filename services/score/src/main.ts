/** The score service process: config → runtime → handler. */
import { runStageService } from '@sluice/runtime';
import { scoreConfig, scoreOptionsFromConfig } from './config';
import { scoreStage, type ScoreStage } from './stage/definition';
import { mountScoreRoutes } from './stage/ops';

let stage: ScoreStage;
void runStageService(
  'score',
  scoreConfig,
  (config, { logger }) => (stage = scoreStage(scoreOptionsFromConfig(config, logger))),
  async (_running, _config, { ops }) => mountScoreRoutes(ops, stage),
);
