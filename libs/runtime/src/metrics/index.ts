import * as prom from 'prom-client';

/** One registry per process; every Sluice metric is named sluice_* and labelled by stage. */
export const registry = new prom.Registry();
prom.collectDefaultMetrics({ register: registry, prefix: 'sluice_process_' });

function counter(name: string, help: string, labelNames: string[]) {
  return new prom.Counter({ name, help, labelNames, registers: [registry] });
}
function gauge(name: string, help: string, labelNames: string[]) {
  return new prom.Gauge({ name, help, labelNames, registers: [registry] });
}

export const stageMetrics = {
  recordsIn: counter('sluice_records_in_total', 'Records consumed by a stage.', ['stage', 'topic']),
  recordsOut: counter('sluice_records_out_total', 'Records produced by a stage and acknowledged by the broker.', ['stage', 'topic']),
  recordsFailed: counter('sluice_records_failed_total', 'Handler attempts that failed (retried or dead-lettered).', ['stage', 'topic']),
  recordsDeadLettered: counter('sluice_records_dead_lettered_total', 'Records sent to the dead-letter topic.', ['stage', 'topic', 'error_type']),
  handlerSeconds: new prom.Histogram({
    name: 'sluice_handler_duration_seconds',
    help: 'Time the handler took per batch.',
    labelNames: ['stage'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  batchSize: new prom.Histogram({
    name: 'sluice_batch_size_records',
    help: 'Records per handler batch.',
    labelNames: ['stage'],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  }),
  inFlight: gauge('sluice_records_in_flight', 'Records consumed and not yet committed.', ['stage']),
  pausedPartitions: gauge('sluice_paused_partitions', 'Partitions paused because their in-flight bound is reached.', ['stage']),
  endToEndSeconds: new prom.Histogram({
    name: 'sluice_record_age_seconds',
    help: 'Age of a record (now minus its Kafka timestamp) when its outputs are acknowledged.',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  }),
};

export const lagMetrics = {
  lagRecords: gauge('sluice_consumer_lag_records', 'Records behind the high watermark, per group and partition.', ['group', 'topic', 'partition']),
  lagSeconds: gauge('sluice_consumer_lag_seconds', 'Seconds behind: age of the oldest unconsumed record, per group and partition.', ['group', 'topic', 'partition']),
  drainRate: gauge('sluice_consumer_drain_rate', 'Records per second the group commits, per topic.', ['group', 'topic']),
};

export { prom };
