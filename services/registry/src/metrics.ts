import { prom, registry } from '@sluice/runtime';

/** Registered once per process on the shared registry; several in-process instances share them. */
export const registryMetrics = {
  requests: new prom.Counter({
    name: 'sluice_registry_requests_total',
    help: 'Schema registry HTTP requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  }),
  requestSeconds: new prom.Histogram({
    name: 'sluice_registry_request_duration_seconds',
    help: 'Time to answer a schema registry HTTP request (writes include the round trip through the log).',
    labelNames: ['route', 'method'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  proposals: new prom.Counter({
    name: 'sluice_registry_proposals_total',
    help: 'Write proposals this instance appended to the registry log, by operation and the outcome applied.',
    labelNames: ['op', 'outcome'],
    registers: [registry],
  }),
  schemas: new prom.Gauge({ name: 'sluice_registry_schemas', help: 'Distinct schemas (global ids) in the registry.', registers: [registry] }),
  subjects: new prom.Gauge({ name: 'sluice_registry_subjects', help: 'Subjects with at least one live version.', registers: [registry] }),
  logPosition: new prom.Gauge({
    name: 'sluice_registry_log_position',
    help: 'Offset after the last registry log entry applied by this instance.',
    registers: [registry],
  }),
};
