#!/usr/bin/env node
'use strict';
/**
 * The runtime's ceiling for the benchmark: a stage with the score stage's input and outputs whose handler
 * only wraps each enriched event in a ScoredEvent with no scores (no models, no rules, no state). Run by
 * bench.js with BENCH_PASSTHROUGH=1, to show how much of the cost is consuming, Avro and producing.
 */
const { runStageService } = require('@sluice/runtime');

void runStageService('score', {}, () => ({
  stage: 'score',
  outputs: ['scored', 'alerts', 'modelState'],
  async handle(batch) {
    const scoredAt = Date.now();
    return {
      produce: batch.map((r) => ({
        topic: 'scored',
        key: `${r.value.event.source}:${r.value.event.author.id}`,
        value: { enriched: r.value, scores: [], processingVersion: 'passthrough', scoredAt },
        from: r,
      })),
    };
  },
}));
