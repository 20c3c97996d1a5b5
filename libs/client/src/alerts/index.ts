import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import type { Alert } from '@sluice/contracts';
import type * as Runtime from '@sluice/runtime';
import { ensureLz4Codec } from './lz4';

export interface AlertStreamOptions {
  brokers: string[] | string;
  registryUrl: string;
  /** Deployment prefix of topic and subject names (SLUICE_TOPIC_PREFIX). */
  prefix?: string;
  /** The analyst's own consumer group: its committed offsets are where the next run resumes. */
  groupId: string;
  /** Where a group with no committed offsets starts: the oldest retained alert (true) or new ones only (false, default). */
  fromBeginning?: boolean;
  clientId?: string;
  /** A record that is not a decodable Alert (never expected on Sluice's topic); it is skipped after this is called. */
  onInvalid?: (error: Error, where: { partition: number; offset: string }) => void;
}

/** One alert with where it was read from. */
export interface AlertRecord {
  alert: Alert;
  partition: number;
  offset: string;
  /** Kafka key: the alert's dedup key. */
  key: string | null;
  /** Registry id of the schema the alert was written with. */
  schemaId: number;
}

/**
 * Alerts as an async iterator. An alert's offset is committed only after the loop body that received it
 * finished (when the next one is asked for, or the loop ends), so a crash re-delivers rather than loses:
 * at least once, like every Sluice consumer. Deduplicate by `alert.dedupKey` when that matters.
 */
export interface AlertStream extends AsyncIterable<AlertRecord> {
  /** Resolves once the consumer has joined its group and has partitions. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

interface Offered {
  record: AlertRecord;
  processed: () => void;
  refused: (e: Error) => void;
}

/**
 * Reads the alert topic with kafkajs in the caller's own consumer group and decodes each record by the
 * schema id in its Confluent header (AvroSerde resolves it against the registry).
 */
export function consumeAlerts(options: AlertStreamOptions): AlertStream {
  if (!options.groupId) throw new Error('groupId: expected the name of your own consumer group (for example analyst-jane)');
  const brokers = (Array.isArray(options.brokers) ? options.brokers : String(options.brokers ?? '').split(',')).map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('brokers: expected at least one Kafka bootstrap address (host:port)');

  ensureLz4Codec();
  const kafka = new Kafka({ clientId: options.clientId ?? 'sluice-alerts', brokers, logLevel: logLevel.ERROR });
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId });
  let offered: Offered | null = null;
  let inHand: (() => void) | null = null;
  let taker: { resolve: (r: IteratorResult<AlertRecord>) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  let closed = false;

  let joined!: () => void;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  // kafkajs restarts on retriable crashes by itself; any other crash ends the stream with its error.
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart || closed) return;
    fail(e.payload.error);
  });

  const handle = async ({ partition, message }: EachMessagePayload, serde: Runtime.AvroSerde): Promise<void> => {
    let alert: Alert;
    try {
      alert = await serde.decode<Alert>('alerts', message.value);
    } catch (err) {
      (options.onInvalid ?? ((e) => process.emitWarning(`alert at partition ${partition} offset ${message.offset} skipped: ${e.message}`)))(err as Error, { partition, offset: message.offset });
      return;
    }
    const record: AlertRecord = { alert, partition, offset: message.offset, key: message.key ? message.key.toString() : null, schemaId: message.value!.readUInt32BE(1) };
    // Resolves when the loop asks for the next alert, i.e. when this one has been handled.
    await new Promise<void>((processed, refused) => {
      if (closed) return refused(new Error('alert stream closed'));
      if (taker) {
        const give = taker;
        taker = null;
        inHand = processed;
        give.resolve({ value: record, done: false });
      } else offered = { record, processed, refused };
    });
  };

  const started = (async () => {
    const runtime = await import('@sluice/runtime');
    const serde = new runtime.AvroSerde(new runtime.RegistryClient(options.registryUrl), options.prefix ?? '');
    await consumer.connect();
    await consumer.subscribe({ topic: serde.naming.topic('alerts'), fromBeginning: options.fromBeginning ?? false });
    await consumer.run({ autoCommit: true, eachMessage: (payload) => handle(payload, serde) });
  })();
  function fail(err: Error): void {
    if (failure) return;
    failure = err;
    joined();
    taker?.reject(err);
    taker = null;
  }
  started.catch(fail);

  const close = async () => {
    if (closed) return;
    closed = true;
    inHand?.();
    inHand = null;
    offered?.refused(new Error('alert stream closed before this alert was handed out'));
    offered = null;
    taker?.resolve({ value: undefined, done: true });
    taker = null;
    await started.catch(() => undefined);
    await consumer.disconnect();
  };

  return {
    ready: ready.then(() => {
      if (failure) throw failure;
    }),
    close,
    [Symbol.asyncIterator](): AsyncIterator<AlertRecord> {
      return {
        next: () => {
          // Asking for the next alert means the previous one was handled: its offset may be committed.
          inHand?.();
          inHand = null;
          if (failure) return Promise.reject(failure);
          if (closed) return Promise.resolve({ value: undefined, done: true });
          if (offered) {
            const o = offered;
            offered = null;
            inHand = o.processed;
            return Promise.resolve({ value: o.record, done: false });
          }
          return new Promise((resolve, reject) => (taker = { resolve, reject }));
        },
        return: async () => {
          await close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/**
 * Callback form: `onAlert` is awaited before the alert's offset may be committed. Returns the stream
 * (await `ready`, call `close()` to stop); `done` settles when the stream ends or `onAlert` throws.
 */
export function onAlerts(options: AlertStreamOptions, onAlert: (record: AlertRecord) => Promise<void> | void): AlertStream & { done: Promise<void> } {
  const stream = consumeAlerts(options);
  const done = (async () => {
    try {
      for await (const record of stream) await onAlert(record);
    } finally {
      await stream.close();
    }
  })();
  return Object.assign(stream, { done });
}
