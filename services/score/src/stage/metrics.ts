import { prom, registry } from '@sluice/runtime';

/** Metrics of the score stage (beside the runtime's per-stage ones). */
export const scoreMetrics = {
  entities: new prom.Gauge({ name: 'sluice_score_entities', help: 'Streaming-model entities held in memory.', registers: [registry] }),
  modelInfo: new prom.Gauge({ name: 'sluice_score_model_info', help: 'Model versions in force (value 1).', labelNames: ['model', 'version'], registers: [registry] }),
  alerts: new prom.Counter({ name: 'sluice_score_alerts_total', help: 'Alerts raised, by rule.', labelNames: ['rule', 'severity'], registers: [registry] }),
  ruleFileRefusals: new prom.Counter({ name: 'sluice_score_rule_file_refusals_total', help: 'Rule file versions refused as invalid.', registers: [registry] }),
  checkpointRecords: new prom.Counter({ name: 'sluice_score_checkpoint_records_total', help: 'Model-state checkpoint records written.', registers: [registry] }),
  restoredEntities: new prom.Counter({ name: 'sluice_score_restored_entities_total', help: 'Entity states restored from the model-state topic on assignment.', registers: [registry] }),
};
