/** @sluice/enrich: the enrich stage's handler and definition factory, and its pure building blocks. */
export { ENRICHMENT_VERSION } from './version';
export { enrichStage, createEnrichHandler, type EnrichHandler, type EnrichHandlerDeps } from './stage';
export { enrichConfigSpec, enrichConfigFromEnv, DEFAULT_ENRICH_CONFIG, type EnrichConfig } from './config';
export { analyseEvent, type TextAnalysis, type AnalyseOptions } from './analyse';
export { validateRawEvent, referenceTime, type ValidationLimits } from './validate';
export * from './text';
export * from './duplicates';
export * from './lookups';
