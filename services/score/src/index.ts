/** @sluice/score: the score stage and its pure parts (models, rules, handler) for tests and the e2e harness. */
export { scoreStage, DEFAULT_SCORE_OPTIONS, DEFAULT_MODEL_DIR, DEFAULT_RULES_FILE, type ScoreOptions, type ScoreStage, type ScoreRuntime } from './stage/definition';
export { scoreConfig, scoreOptionsFromConfig } from './config';
export { Scorer, SCORE_LOGIC_VERSION, type ScorerOptions } from './stage/scorer';
export { mountScoreRoutes } from './stage/ops';
export { readStateTopic, committedOffsets } from './stage/state-topic';
export { viewText, guessLanguage, type TextView, type Language } from './text/tokenize';
export { foldForMatch } from '@sluice/text';
export { SentimentModel, SENTIMENT_CLASSES, type SentimentLabel, type SentimentResult } from './models/sentiment/model';
export { SpamModel, SPAM_FEATURES, SPAM_FEATURE_NAMES, spamFeatures } from './models/spam/model';
export { ModelRegistry, loadModelSet, newestModelFiles, type ModelSet } from './models/registry';
export { OnnxScorer, loadOnnxScorers, loadOnnxRuntime, parseOnnxModels, type OnnxModelSpec } from './models/onnx/scorer';
export * from './models/stream/entity';
export { StreamStore, entityKey, parseEntityKey, checkpointKey, parseCheckpointKey, ENTITY_TYPES, type EntityType, type CheckpointRecord } from './models/stream/store';
export { RuleEngine, dedupKeyOf, alertIdOf, matches, type RuleInput } from './rules/engine';
export { parseRuleFile, ruleFileSchema, RuleFileError, type Rule, type RuleSet } from './rules/schema';
export { RuleSource } from './rules/source';
export { enrichedEvent, inRecord, type EventSpec } from './testkit';
export { evaluateAll } from './evaluate';
