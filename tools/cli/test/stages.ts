/** Test-only stages for the CLI's integration tests: real runtime, real broker, a handler that records what it saw. */
import pino from 'pino';
import type { Alert, EnrichedEvent, RawEvent, ScoredEvent } from '@sluice/contracts';
import { startStage, type Logger, type RunningStage, type StageDefinition, type InRecord } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL } from '../../../test/support/kafka';

export interface LogLine {
  msg: string;
  inst?: string;
  [k: string]: unknown;
}

/** A logger that keeps every line (info and up) in memory, so tests can count rebalances. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export interface Seen {
  topic: string;
  partition: number;
  offset: number;
  id: string;
  instance: string;
}

/** Copies raw events to the enriched topic and records every record it handled. */
export function recordingPassthrough(seen: Seen[], enrichment: (e: RawEvent) => Record<string, unknown> = () => ({})): StageDefinition<RawEvent> {
  return {
    stage: 'enrich',
    outputs: ['enriched'],
    async handle(batch: InRecord<RawEvent>[], ctx) {
      for (const r of batch) seen.push({ topic: r.topic, partition: r.partition, offset: r.offset, id: r.value.id, instance: ctx.instance });
      return { produce: batch.map((r) => ({ topic: 'enriched' as const, key: r.key?.toString() ?? null, value: { event: r.value, enrichment: enrichment(r.value) }, from: r })) };
    },
  };
}

export function runStage<T>(prefix: string, def: StageDefinition<T>, extra: Partial<Parameters<typeof startStage>[1]> = {}): Promise<RunningStage> {
  return startStage(def, { brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, lagIntervalMs: 0, batchWaitMs: 5, logger: pino({ level: 'warn' }), ...extra });
}

/**
 * A test-only score stage: a spam score from words, and a keyword alert rule. `v2` is the "new
 * version": "cheap" counts as spam too, the rule watches "flood" instead of "fire", and texts saying
 * "reject" are refused.
 */
export function scoreStage(version: 'v1' | 'v2'): StageDefinition<EnrichedEvent> {
  const spamWords = version === 'v1' ? ['buy'] : ['buy', 'cheap'];
  const alertWord = version === 'v1' ? 'fire' : 'flood';
  return {
    stage: 'score',
    outputs: ['scored', 'alerts'],
    async handle(batch: InRecord<EnrichedEvent>[]) {
      const reject = version === 'v2' ? batch.filter((r) => r.value.event.text?.includes('reject')) : [];
      const kept = batch.filter((r) => !reject.includes(r));
      const scored = kept.map((r) => {
        const text = r.value.event.text ?? '';
        const spam = spamWords.some((w) => text.includes(w)) ? 0.9 : 0.1;
        const value: ScoredEvent = { enriched: r.value, scores: [{ model: 'spam', version, label: null, score: spam, details: {} }], processingVersion: version, scoredAt: Date.now() };
        return { topic: 'scored' as const, key: r.key?.toString() ?? null, value, from: r };
      });
      const alerts = kept
        .filter((r) => (r.value.event.text ?? '').includes(alertWord))
        .map((r) => {
          const e = r.value.event;
          const value: Alert = {
            id: `alert-${e.id}`,
            dedupKey: `keyword:${alertWord}:${e.id}`,
            rule: `${alertWord}-watch`,
            ruleVersion: version,
            severity: 'HIGH',
            title: `${alertWord} mentioned`,
            source: e.source,
            entity: { type: 'keyword', value: alertWord },
            evidence: { eventIds: [e.id], windowStart: e.occurredAt, windowEnd: e.occurredAt, figures: {} },
            models: [],
            firedAt: e.occurredAt,
          };
          return { topic: 'alerts' as const, key: value.dedupKey, value, from: r };
        });
      return { produce: [...scored, ...alerts], reject: reject.map((r) => ({ record: r, reason: 'field "event.text": says reject', errorType: 'validation' })) };
    },
  };
}
