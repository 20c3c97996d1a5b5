import type { Naming, StageName } from '@sluice/contracts';
import type { OutRecord } from '../kafka/producer';
import type { AvroSerde } from '../registry';
import type { DeadLetter } from '@sluice/contracts';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  headers: Record<string, string>;
  raw: Buffer | null;
}

/**
 * The dead-letter record for a rejected input: original bytes untouched, the reason, the stage and the
 * source position, so it can be inspected and redriven. Keyed by source position, which makes a
 * re-dead-lettering of the same record recognisable.
 */
export function deadLetter(names: Naming, serde: AvroSerde, stage: StageName, src: DeadLetterSource, reason: string, errorType: string, attempts: number): OutRecord {
  const value: DeadLetter = {
    stage,
    reason,
    errorType,
    sourceTopic: src.topic,
    sourcePartition: src.partition,
    sourceOffset: src.offset,
    sourceTimestamp: src.timestamp,
    key: src.key,
    value: src.raw,
    headers: src.headers,
    attempts,
    deadLetteredAt: Date.now(),
  };
  return {
    topic: names.topic('dlq'),
    key: `${src.topic}:${src.partition}:${src.offset}`,
    value: serde.encode('dlq', value),
    headers: { 'sluice-stage': stage, 'sluice-error-type': errorType, 'sluice-source-topic': src.topic },
  };
}
