import { prom, registry } from '@sluice/runtime';

/** Metrics of the persistence stage and its query API (sluice_persist_*). */
export const persistMetrics = {
  roundTrips: new prom.Counter({
    name: 'sluice_persist_db_round_trips_total',
    help: 'Statements sent to PostgreSQL (each one network round trip), by purpose: write, staging (once per connection), offsets, partitions, compaction, maintenance, query.',
    labelNames: ['purpose'],
    registers: [registry],
  }),
  rows: new prom.Counter({
    name: 'sluice_persist_rows_total',
    help: 'Records written, by table and outcome: inserted, updated (a newer version moved it forward), unchanged (redelivery or older version).',
    labelNames: ['table', 'outcome'],
    registers: [registry],
  }),
  expired: new prom.Counter({
    name: 'sluice_persist_events_expired_total',
    help: 'Events older than the retention period: not stored (their partition is already dropped), confirmed as expired.',
    registers: [registry],
  }),
  writeSeconds: new prom.Histogram({
    name: 'sluice_persist_write_duration_seconds',
    help: 'Time of one batch transaction (rows, aggregates and offsets).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  cache: new prom.Counter({
    name: 'sluice_persist_query_cache_total',
    help: 'Aggregate query cache lookups by result: hit, miss, shared (joined a load in progress).',
    labelNames: ['result'],
    registers: [registry],
  }),
  queries: new prom.Histogram({
    name: 'sluice_persist_query_duration_seconds',
    help: 'Query API request time by route.',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  partitions: new prom.Gauge({
    name: 'sluice_persist_event_partitions',
    help: 'Day partitions of the events table.',
    registers: [registry],
  }),
};

export type RoundTripPurpose = 'write' | 'staging' | 'offsets' | 'partitions' | 'compaction' | 'maintenance' | 'query' | 'migrate';
