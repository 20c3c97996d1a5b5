/** Every topic, group and subject Sluice uses is declared here once and imported everywhere. */

export type TopicKey = 'raw' | 'enriched' | 'scored' | 'alerts' | 'dlq' | 'confirmations' | 'modelState' | 'control';

export interface TopicSpec {
  /** Versioned base name; a deployment prefix (SLUICE_TOPIC_PREFIX) may stand before it. */
  name: string;
  partitions: number;
  /** Kafka topic configs applied at creation and checked for drift. */
  config: Record<string, string>;
  /** Avro record schema name of the values (null when values are not Sluice records). */
  schema: SchemaName | null;
  doc: string;
}

export type SchemaName = 'RawEvent' | 'EnrichedEvent' | 'ScoredEvent' | 'Alert' | 'DeadLetter' | 'Confirmation' | 'ControlCommand';

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPICS: Record<TopicKey, TopicSpec> = {
  raw: {
    name: 'sluice.events.raw.v1',
    partitions: 6,
    // Retention on the raw topic is the replay window.
    config: { 'retention.ms': String(7 * DAY_MS), 'cleanup.policy': 'delete', 'compression.type': 'producer' },
    schema: 'RawEvent',
    doc: 'Events as producers sent them, keyed by source:authorId.',
  },
  enriched: {
    name: 'sluice.events.enriched.v1',
    partitions: 6,
    config: { 'retention.ms': String(3 * DAY_MS), 'cleanup.policy': 'delete', 'compression.type': 'producer' },
    schema: 'EnrichedEvent',
    doc: 'Validated, normalised and enriched events, keyed as the raw topic.',
  },
  scored: {
    name: 'sluice.events.scored.v1',
    partitions: 6,
    config: { 'retention.ms': String(3 * DAY_MS), 'cleanup.policy': 'delete', 'compression.type': 'producer' },
    schema: 'ScoredEvent',
    doc: 'Enriched events with model scores, keyed as the raw topic.',
  },
  alerts: {
    name: 'sluice.alerts.v1',
    partitions: 3,
    config: { 'retention.ms': String(30 * DAY_MS), 'cleanup.policy': 'delete' },
    schema: 'Alert',
    doc: 'Alerts raised by rules, keyed by dedup key.',
  },
  dlq: {
    name: 'sluice.dlq.v1',
    partitions: 3,
    config: { 'retention.ms': String(30 * DAY_MS), 'cleanup.policy': 'delete' },
    schema: 'DeadLetter',
    doc: 'Records a stage rejected, with original bytes, reason, stage and source position.',
  },
  confirmations: {
    name: 'sluice.confirmations.v1',
    partitions: 3,
    config: { 'retention.ms': String(1 * DAY_MS), 'cleanup.policy': 'delete' },
    schema: 'Confirmation',
    doc: 'Ids of events persist committed, keyed by producer.',
  },
  modelState: {
    name: 'sluice.score.state.v1',
    partitions: 6,
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' },
    schema: null,
    doc: 'Checkpoints of streaming model state, keyed by entity (compacted).',
  },
  control: {
    name: 'sluice.control.v1',
    partitions: 1,
    config: { 'retention.ms': String(1 * DAY_MS), 'cleanup.policy': 'delete' },
    schema: 'ControlCommand',
    doc: 'Operator commands to running stages (pause for replay, resume).',
  },
};

export type StageName = 'ingest' | 'enrich' | 'score' | 'persist' | 'notify';

/** Consumer group of each consuming stage. */
export const GROUPS = {
  enrich: 'sluice.enrich',
  score: 'sluice.score',
  persist: 'sluice.persist',
  notify: 'sluice.notify',
} as const;
export type GroupStage = keyof typeof GROUPS;

/** Which topic each consuming stage reads. */
export const STAGE_INPUTS: Record<GroupStage, TopicKey[]> = {
  enrich: ['raw'],
  score: ['enriched'],
  persist: ['scored', 'alerts'],
  notify: ['alerts'],
};

/** Resolved names for one deployment (the prefix isolates tests, shadow replays and tenants). */
export interface Naming {
  prefix: string;
  topic(key: TopicKey): string;
  group(stage: GroupStage): string;
  subject(key: TopicKey): string;
  keyOf(topicName: string): TopicKey | undefined;
}

export function naming(prefix = ''): Naming {
  const p = prefix ? (prefix.endsWith('.') ? prefix : `${prefix}.`) : '';
  const byName = new Map<string, TopicKey>();
  for (const key of Object.keys(TOPICS) as TopicKey[]) byName.set(p + TOPICS[key].name, key);
  return {
    prefix: p,
    topic: (key) => p + TOPICS[key].name,
    group: (stage) => p + GROUPS[stage],
    // Confluent TopicNameStrategy, so stock serializers find the same subject.
    subject: (key) => `${p + TOPICS[key].name}-value`,
    keyOf: (name) => byName.get(name),
  };
}
