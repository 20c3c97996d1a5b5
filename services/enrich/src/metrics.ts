import { prom, registry } from '@sluice/runtime';
import type { CircuitState, LookupObserver } from './lookups';

/** Registered once per process even if this module is loaded twice (tests, harness). */
function metric<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The enrich stage's own metrics, beside the runtime's sluice_records_* and lag metrics. */
export const enrichMetrics = {
  lookups: metric(
    'sluice_enrich_lookups_total',
    () =>
      new prom.Counter({
        name: 'sluice_enrich_lookups_total',
        help: 'External lookups by enricher and outcome (ok, cached, or the missing reason).',
        labelNames: ['enricher', 'outcome'],
        registers: [registry],
      }),
  ),
  lookupSeconds: metric(
    'sluice_enrich_lookup_duration_seconds',
    () =>
      new prom.Histogram({
        name: 'sluice_enrich_lookup_duration_seconds',
        help: 'Time an external lookup took, retries included.',
        labelNames: ['enricher'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  ),
  circuit: metric(
    'sluice_enrich_circuit_state',
    () =>
      new prom.Gauge({
        name: 'sluice_enrich_circuit_state',
        help: 'Circuit of each enricher: 0 closed, 1 half-open, 2 open.',
        labelNames: ['enricher'],
        registers: [registry],
      }),
  ),
  duplicates: metric(
    'sluice_enrich_exact_duplicates_total',
    () => new prom.Counter({ name: 'sluice_enrich_exact_duplicates_total', help: 'Events flagged as exact duplicates.', registers: [registry] }),
  ),
  languages: metric(
    'sluice_enrich_languages_total',
    () =>
      new prom.Counter({ name: 'sluice_enrich_languages_total', help: 'Enriched events by detected language.', labelNames: ['language'], registers: [registry] }),
  ),
};

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Feeds lookup outcomes and circuit changes into the metrics above. */
export const metricsObserver: LookupObserver = {
  outcome(enricher, outcome, seconds) {
    enrichMetrics.lookups.inc({ enricher, outcome });
    if (outcome !== 'cached') enrichMetrics.lookupSeconds.observe({ enricher }, seconds);
  },
  circuit(enricher, state) {
    enrichMetrics.circuit.set({ enricher }, CIRCUIT_VALUE[state]);
  },
};
