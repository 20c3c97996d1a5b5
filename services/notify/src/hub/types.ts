import type { Alert } from '@sluice/contracts';
import type { Surfacing } from '../dedup';

/** An alert surfaced to analysts: the decoded alert, where it is in Kafka, and how dedup saw it. */
export interface Notification {
  /** Kafka position, `partition-offset`: the alert's id for clients. */
  id: string;
  partition: number;
  offset: number;
  /** Kafka timestamp of the alert record (when it reached the topic). */
  timestamp: number;
  status: Exclude<Surfacing, 'duplicate'>;
  alert: Alert;
}

/** Every record the stage processed, surfaced or not; positions advance over both. */
export interface ProcessedRecord {
  partition: number;
  offset: number;
  notification: Notification | null;
}

/** An alert record read back from Kafka for a catch-up. */
export interface StoredRecord {
  partition: number;
  offset: number;
  timestamp: number;
  value: Buffer | null;
}

export interface CatchupRange {
  partition: number;
  /** First offset to read. */
  from: number;
  /** Offset to stop before. */
  to: number;
}

export interface CatchupGap {
  partition: number;
  /** Where the client wanted to resume. */
  requested: number;
  /** The oldest offset still retained. */
  available: number;
}

/** Reads ranges of the alert topic back from Kafka, in order within each partition. */
export interface CatchupSource {
  read(ranges: CatchupRange[], onRecords: (records: StoredRecord[]) => Promise<void>, options: { stopped: () => boolean; onGap: (gap: CatchupGap) => void }): Promise<void>;
}
