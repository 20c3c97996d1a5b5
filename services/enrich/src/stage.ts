import type { EnrichedEvent, Enrichment, RawEvent } from '@sluice/contracts';
import type { BatchOutcome, InRecord, Produce, Rejection, StageDefinition } from '@sluice/runtime';
import { analyseEvent } from './analyse';
import { DEFAULT_ENRICH_CONFIG, type EnrichConfig } from './config';
import { DuplicateWindow } from './duplicates';
import { LinkMetricsEnricher, ResilientEnricher, runLookups, type Enricher, type LookupJob, type LookupObserver } from './lookups';
import { enrichMetrics, metricsObserver } from './metrics';
import { referenceTime, validateRawEvent } from './validate';
import { ENRICHMENT_VERSION } from './version';

const NO_LOOKUPS: Enrichment['lookups'] = Object.freeze({}) as Enrichment['lookups'];
const NO_MISSING: Enrichment['missing'] = Object.freeze([]) as unknown as Enrichment['missing'];

export interface EnrichHandlerDeps {
  /** Extra enrichers (author profiles …) besides the link metrics one the config may add. */
  enrichers?: Enricher[];
  observer?: LookupObserver;
}

export interface EnrichHandler {
  (batch: ReadonlyArray<InRecord<RawEvent>>): Promise<BatchOutcome>;
  readonly enrichers: readonly ResilientEnricher[];
  readonly duplicates: DuplicateWindow;
}

/**
 * The enrich handler: a plain function over decoded raw events. Invalid events are rejected with their
 * reasons (the runtime dead-letters them); valid ones become EnrichedEvents keyed `${source}:${authorId}`
 * like the raw topic. State: the duplicate window and the lookup caches and circuits.
 */
export function createEnrichHandler(partial: Partial<EnrichConfig> = {}, deps: EnrichHandlerDeps = {}): EnrichHandler {
  const config: EnrichConfig = { ...DEFAULT_ENRICH_CONFIG, ...partial };
  const now = config.now ?? Date.now;
  const duplicates = new DuplicateWindow({ windowMs: config.duplicateWindowMs, maxEntries: config.duplicateMaxEntries });
  const plain: Enricher[] = [...(config.linkMetricsUrl ? [new LinkMetricsEnricher({ endpoint: config.linkMetricsUrl })] : []), ...(deps.enrichers ?? [])];
  const observer = deps.observer ?? metricsObserver;
  const enrichers = plain.map((e) => new ResilientEnricher(e, config.resilience, observer));
  for (const e of enrichers) observer.circuit?.(e.name, 'closed');
  const analyseOptions = { maxKeywords: config.maxKeywords };

  const handle = async (batch: ReadonlyArray<InRecord<RawEvent>>): Promise<BatchOutcome> => {
    const at = now();
    const reject: Rejection[] = [];
    const accepted: Array<{ record: InRecord<RawEvent>; enrichment: Enrichment; urls: string[] }> = [];
    const languages = new Map<string, number>();
    let duplicateCount = 0;
    for (const record of batch) {
      const event = record.value;
      const problems = validateRawEvent(event, referenceTime(record.timestamp, at), config.limits);
      if (problems.length > 0) {
        reject.push({ record, reason: problems.join('; '), errorType: 'validation' });
        continue;
      }
      const a = analyseEvent(event, analyseOptions);
      const exactDuplicate = duplicates.checkEvent(event.id, a.contentHash, event.occurredAt, record);
      if (exactDuplicate) duplicateCount++;
      languages.set(a.language, (languages.get(a.language) ?? 0) + 1);
      // Built field by field in schema order: one object shape for every record, cheap to encode.
      const enrichment: Enrichment = {
        normalizedText: a.normalizedText,
        matchText: a.matchText,
        language: a.language,
        hashtags: a.hashtags,
        mentions: a.mentions,
        cashtags: a.cashtags,
        urls: a.urls,
        keywords: a.keywords,
        exactDuplicate,
        fingerprint: a.fingerprint,
        // Filled in below only when enrichers run; otherwise one shared empty value each (never changed).
        lookups: enrichers.length > 0 ? {} : NO_LOOKUPS,
        missing: enrichers.length > 0 ? [] : NO_MISSING,
        version: ENRICHMENT_VERSION,
        enrichedAt: at,
      };
      accepted.push({ record, urls: a.urls, enrichment });
    }

    if (enrichers.length > 0) {
      const jobs: LookupJob[] = [];
      const owners: Enrichment[] = [];
      for (const a of accepted) {
        const input = { event: a.record.value, urls: a.urls, language: a.enrichment.language ?? 'unknown' };
        for (const enricher of enrichers) {
          const key = enricher.keyOf(input);
          if (key === null) continue;
          jobs.push({ enricher, key });
          owners.push(a.enrichment);
        }
      }
      const outcomes = await runLookups(jobs, { concurrency: config.lookupConcurrency, budgetMs: config.lookupBatchBudgetMs });
      outcomes.forEach((outcome, i) => {
        const name = jobs[i].enricher.name;
        if (outcome.ok) owners[i].lookups![name] = outcome.json;
        else owners[i].missing!.push({ enricher: name, reason: outcome.reason });
      });
    }

    const produce: Produce[] = accepted.map(({ record, enrichment }) => {
      const value: EnrichedEvent = { event: record.value, enrichment };
      return { topic: 'enriched', key: `${record.value.source}:${record.value.author.id}`, value, from: record };
    });
    if (duplicateCount > 0) enrichMetrics.duplicates.inc(duplicateCount);
    for (const [language, n] of languages) enrichMetrics.languages.inc({ language }, n);
    return { produce, reject };
  };
  return Object.assign(handle, { enrichers, duplicates });
}

/** The enrich stage for the shared runtime: raw → enriched, invalid records to the dead-letter topic. */
export function enrichStage(config: Partial<EnrichConfig> = {}, deps: EnrichHandlerDeps = {}): StageDefinition<RawEvent> {
  const handle = createEnrichHandler(config, deps);
  return {
    stage: 'enrich',
    inputs: ['raw'],
    outputs: ['enriched'],
    handle: (batch) => handle(batch),
  };
}
