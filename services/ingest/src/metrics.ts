import { prom, registry } from '@sluice/runtime';

/** Ingest's own metrics; lag per group and partition comes from the runtime's LagTracker. */
export const ingestMetrics = {
  requests: new prom.Counter({
    name: 'sluice_ingest_requests_total',
    help: 'HTTP requests to the ingest API, by route and status code.',
    labelNames: ['route', 'status'],
    registers: [registry],
  }),
  events: new prom.Counter({
    name: 'sluice_ingest_events_total',
    help: 'Events received over HTTP, by outcome: accepted (acknowledged by Kafka), rejected (invalid), failed (Kafka did not acknowledge), refused (rate limit or shedding).',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  ackSeconds: new prom.Histogram({
    name: 'sluice_ingest_ack_seconds',
    help: 'Time from producing a request’s events to Kafka acknowledging all of them (acks=all).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  shedding: new prom.Gauge({
    name: 'sluice_ingest_shedding',
    help: '1 while ingest sheds new HTTP load because a downstream consumer group lags past its bound, else 0.',
    registers: [registry],
  }),
};
