/** The score service's environment variables, with defaults, and their mapping to scoreStage options. */
import { z } from 'zod';
import { env, type stageConfig } from '@sluice/runtime';
import { parseOnnxModels } from './models/onnx/scorer';
import { DEFAULT_STREAM_PARAMS } from './models/stream/entity';
import { ENTITY_TYPES, type EntityType } from './models/stream/store';
import { DEFAULT_MODEL_DIR, DEFAULT_RULES_FILE, type ScoreOptions } from './stage/definition';
import type { Logger } from '@sluice/runtime';

const d = DEFAULT_STREAM_PARAMS;

export const scoreConfig = {
  PORT: env.int(9102, 0, 65535),
  /** Directory of model weight files `<model>@<version>.json`; the newest version of each is in force. */
  SCORE_MODEL_DIR: env.string(DEFAULT_MODEL_DIR),
  SCORE_MODEL_POLL_MS: env.int(2000, 0, 3_600_000),
  /** Alert rule file (YAML or JSON), reloaded when it changes. */
  SCORE_RULES_FILE: env.string(DEFAULT_RULES_FILE),
  SCORE_RULES_POLL_MS: env.int(2000, 0, 3_600_000),
  /** JSON list of {name, version, path, input, inputName?, outputName?, labels?}: ONNX scorers. */
  SCORE_ONNX_MODELS: z.string().default(''),
  SCORE_CHECKPOINT_INTERVAL_MS: env.int(30_000, 0, 3_600_000),
  SCORE_MAX_ENTITIES: env.int(200_000, 100, 50_000_000),
  SCORE_MAX_KEYWORDS: env.int(20, 0, 1000),
  SCORE_BUCKET_MS: env.int(d.bucketMs, 1000, 3_600_000),
  SCORE_ANOMALY_ALPHA: env.number(d.alpha, 0.0001, 1),
  SCORE_ANOMALY_WARMUP_BUCKETS: env.int(d.warmupBuckets, 0, 100_000),
  SCORE_ANOMALY_MIN_STD: env.number(d.minStd, 0.01, 1e6),
  SCORE_ANOMALY_CLAMP_Z: env.number(d.clampZ, 0.5, 1000),
  SCORE_TREND_ALPHA: env.number(d.trendAlpha, 0.0001, 1),
  SCORE_TREND_BETA: env.number(d.trendBeta, 0.0001, 1),
  /** Entity types whose baseline has an hour-of-day profile. */
  SCORE_SEASONAL_ENTITY_TYPES: z
    .string()
    .default('source')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((v) => v.every((t) => (ENTITY_TYPES as readonly string[]).includes(t)), `expected a comma-separated list of ${ENTITY_TYPES.join(', ')}`),
};

type Env = z.infer<z.ZodObject<typeof scoreConfig & typeof stageConfig>>;

export function scoreOptionsFromConfig(c: Env, logger?: Logger): ScoreOptions {
  return {
    brokers: c.KAFKA_BROKERS,
    modelDir: c.SCORE_MODEL_DIR,
    rulesFile: c.SCORE_RULES_FILE,
    onnxModels: parseOnnxModels(c.SCORE_ONNX_MODELS),
    modelPollMs: c.SCORE_MODEL_POLL_MS,
    rulesPollMs: c.SCORE_RULES_POLL_MS,
    checkpointIntervalMs: c.SCORE_CHECKPOINT_INTERVAL_MS,
    maxEntities: c.SCORE_MAX_ENTITIES,
    maxKeywords: c.SCORE_MAX_KEYWORDS,
    streamParams: {
      ...DEFAULT_STREAM_PARAMS,
      bucketMs: c.SCORE_BUCKET_MS,
      alpha: c.SCORE_ANOMALY_ALPHA,
      warmupBuckets: c.SCORE_ANOMALY_WARMUP_BUCKETS,
      minStd: c.SCORE_ANOMALY_MIN_STD,
      clampZ: c.SCORE_ANOMALY_CLAMP_Z,
      trendAlpha: c.SCORE_TREND_ALPHA,
      trendBeta: c.SCORE_TREND_BETA,
    },
    seasonalTypes: c.SCORE_SEASONAL_ENTITY_TYPES as EntityType[],
    logger,
  };
}
