import { performance } from 'node:perf_hooks';
import type { ResilientEnricher } from './resilient';
import type { LookupOutcome } from './types';

export interface LookupJob {
  enricher: ResilientEnricher;
  key: string;
}

export interface RunLookupsOptions {
  /** Lookups in flight at once, over all enrichers. */
  concurrency: number;
  /** No new lookup starts after this long; those not started are missing with reason batch-deadline. */
  budgetMs: number;
}

/**
 * Runs a batch's lookups with bounded concurrency. Jobs with the same enricher and key run once. A batch
 * takes at most budgetMs plus one lookup timeout, however slow the third parties are.
 */
export async function runLookups(jobs: readonly LookupJob[], options: RunLookupsOptions): Promise<LookupOutcome[]> {
  const unique = new Map<string, number>();
  const distinct: LookupJob[] = [];
  const slot = jobs.map((job) => {
    const id = `${job.enricher.name}\u0000${job.key}`;
    let i = unique.get(id);
    if (i === undefined) {
      i = distinct.length;
      unique.set(id, i);
      distinct.push(job);
    }
    return i;
  });
  const results = new Array<LookupOutcome>(distinct.length);
  const deadline = performance.now() + options.budgetMs;
  let next = 0;
  const worker = async () => {
    while (next < distinct.length) {
      const i = next++;
      if (performance.now() >= deadline) {
        results[i] = { ok: false, reason: 'batch-deadline' };
        continue;
      }
      results[i] = await distinct[i].enricher.run(distinct[i].key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency), distinct.length) }, worker));
  return slot.map((i) => results[i]);
}
