import * as Kafka from 'node-rdkafka';
import { naming as makeNaming, STAGE_INPUTS, type TopicKey } from '@sluice/contracts';
import { createLogger, type Logger } from '../log';
import { stageMetrics } from '../metrics';
import { AvroSerde, RegistryClient } from '../registry';
import { ReliableProducer, type OutRecord } from '../kafka/producer';
import { kafkaAdminClient, ensureTopics } from '../kafka/admin';
import { LagTracker } from '../kafka/lag';
import { deadLetter } from './dead-letter';
import { listenForControl } from './control';
import type { BatchOutcome, InRecord, Produce, StageContext, StageDefinition, StageOptions, TopicPartition } from './types';

interface PartitionState {
  topic: string;
  topicKey: TopicKey;
  partition: number;
  queue: Kafka.Message[];
  paused: boolean;
  /**
   * First offset fetched for this partition after it was paused: librdkafka may still hand over records
   * it had prefetched, which are dropped from memory and read again from here on resume.
   */
  resumeFrom: number | null;
  /** Next offset to commit once the records before it are done. */
  commitOffset: number | null;
  /** Being revoked: no new records are taken for it. */
  revoking: boolean;
}

const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunningStage {
  readonly context: StageContext;
  readonly producer: ReliableProducer;
  /** Currently assigned partitions. */
  assignment(): TopicPartition[];
  /** Records consumed and not yet committed. */
  inFlight(): number;
  isReady(): boolean;
  /** Leave the group (for a coordinated replay) and stay out until resume(). */
  leaveGroup(): Promise<void>;
  rejoinGroup(): Promise<void>;
  /** Finish in-flight work, commit, leave the group, disconnect. */
  stop(): Promise<void>;
  /** Resolves when the stage stopped by itself after a fatal error. */
  readonly failed: Promise<Error>;
}

/**
 * The one consume → handle → produce → commit loop every consuming stage runs.
 *
 * A poller fills per-partition queues; a partition whose queue reaches its bound is paused until it
 * drains, so memory stays bounded however slow the handler is. A single processor takes batches across
 * partitions (flushing at batchSize records or batchWaitMs after the first record arrived), hands them
 * to the handler, produces the outputs and dead letters, waits until the broker acknowledged all of
 * them, and only then commits the offsets: at least once between stages.
 */
export async function startStage<T>(def: StageDefinition<T>, options: StageOptions): Promise<RunningStage> {
  const logger = options.logger ?? createLogger(def.stage);
  const names = makeNaming(options.prefix ?? '');
  // A shadow replay reads the live topics and writes to its own prefixed ones.
  const inNames = options.inputPrefix === undefined ? names : makeNaming(options.inputPrefix);
  const keyOf = (topic: string) => inNames.keyOf(topic) ?? names.keyOf(topic)!;
  const inputs = def.inputs ?? STAGE_INPUTS[def.stage];
  const group = names.group(def.stage);
  const instance = options.clientId ?? `${def.stage}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const batchSize = options.batchSize ?? 1000;
  const batchWaitMs = options.batchWaitMs ?? 20;
  const perPartitionMax = options.maxInFlightPerPartition ?? 5000;
  // Records read ahead into this process, all partitions together. Above it the poller stops taking
  // records from librdkafka, whose own prefetch (prefetchKBytes) then fills and stops fetching: the
  // read-ahead stays small under a backlog without pausing (a pause drops librdkafka's prefetched
  // records, which are then fetched again).
  const maxQueued = options.maxQueued ?? 4 * batchSize;
  // If nothing is taken from a full queue for this long (a handler retrying through an outage), the
  // partitions holding records are paused instead, so that polling, and with it group membership, goes on.
  const queueStallMs = 10_000;
  const resumeBelow = Math.floor(perPartitionMax / 2);
  const pipelineDepth = options.pipelineDepth ?? 3;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.retryBackoffMs ?? 100;
  const backoffMaxMs = options.retryBackoffMaxMs ?? 10_000;
  const labels = { stage: def.stage };
  // Bound once: observing through labels hashes them on every call, and this runs once per record.
  const endToEnd = stageMetrics.endToEndSeconds.labels(labels);

  const serde = new AvroSerde(new RegistryClient(options.registryUrl), options.prefix ?? '');
  const context: StageContext = { logger, naming: names, serde, instance };
  const admin = kafkaAdminClient(options.brokers, `${instance}-admin`, logger);
  await admin.connect();
  const producer = new ReliableProducer({ brokers: options.brokers, clientId: `${instance}-producer`, logger });
  try {
    await ensureTopics(admin, inNames, inputs);
    await ensureTopics(admin, names, [...new Set<TopicKey>([...def.outputs, 'dlq', 'control'])]);
    await serde.register([...new Set<TopicKey>([...def.outputs.filter((k) => k !== 'modelState'), 'dlq', 'control'])]);
    await producer.connect();
    await def.start?.(context);
  } catch (e) {
    // Leave nothing open behind a failed start (a test runner would hang on it).
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw e;
  }

  const partitions = new Map<string, PartitionState>();
  let running = true;
  let inGroup = false;
  let processing: Promise<void> | null = null;
  let firstQueuedAt: number | null = null;
  /** When processLoop last took a batch from the queues. */
  let lastTakenAt = Date.now();
  let draining = false;
  let inFlightCount = 0;
  /** Records in partition queues, not yet taken into a batch. */
  let queuedCount = 0;
  let rebalancing: Promise<void> = Promise.resolve();
  /** The consume call in flight: the consumer must not be disconnected under it (a native abort). */
  let consuming: Promise<unknown> = Promise.resolve();
  /**
   * Seeks in flight. node-rdkafka runs a seek on the libuv pool without the lock its disconnect takes, so
   * a disconnect that lands while one runs frees the client under it ("pure virtual method called", or a
   * segfault): the consumer is disconnected only once these have settled.
   */
  const seeking = new Set<Promise<unknown>>();
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fail = resolve));

  let consumer = createConsumer();
  await connectConsumer();

  function createConsumer(): Kafka.KafkaConsumer {
    const c = new Kafka.KafkaConsumer(
      {
        'group.id': group,
        'client.id': instance,
        'metadata.broker.list': options.brokers.join(','),
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'partition.assignment.strategy': 'cooperative-sticky',
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 1000,
        'max.poll.interval.ms': 300_000,
        'fetch.wait.max.ms': 20,
        'fetch.min.bytes': 1,
        // Bounded prefetch: librdkafka's own queue is part of what a stage holds in memory. 16 MiB keeps
        // a fast handler fed (4 MiB starved it: the poller waited on fetches a third of the time).
        'queued.max.messages.kbytes': options.prefetchKBytes ?? 16_384,
        'queued.min.messages': 20_000,
        'socket.keepalive.enable': true,
        // Bound to this consumer: an event of a consumer since replaced (a rejoin) never reaches its successor.
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) => {
          rebalancing = rebalancing.then(() => onRebalance(c, err, assignment)).catch((e) => logger.error({ err: String(e) }, 'rebalance failed'));
        },
        ...options.consumerOverrides,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    c.on('event.error', (err) => logger.warn({ err: err.message }, 'kafka consumer error'));
    return c;
  }

  function connectConsumer(): Promise<void> {
    return new Promise((resolve, reject) => {
      consumer.connect({ timeout: 30_000 }, (err) => {
        if (err) return reject(new Error(`cannot connect consumer of ${group} to Kafka at ${options.brokers.join(',')}: ${err.message}`));
        consumer.setDefaultConsumeTimeout(10);
        // Wait only for the first record of a poll, so a trickle does not stretch it.
        (consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage?: (v: boolean) => void }).setDefaultIsTimeoutOnlyForFirstMessage?.(true);
        consumer.subscribe(inputs.map((k) => inNames.topic(k)));
        inGroup = true;
        resolve();
      });
    });
  }

  const cooperative = (c: Kafka.KafkaConsumer) => c.rebalanceProtocol() === 'COOPERATIVE';

  async function onRebalance(c: Kafka.KafkaConsumer, err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): Promise<void> {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      // A failing hook (a broker still electing leaders, a database restarting) is retried: the
      // assignment must not be left hanging, and partitions must not start from the wrong place.
      // Leaving the group (stop, a PAUSE) ends the retries: the assignment is then taken without start
      // offsets, only so that the consumer can close; nothing is consumed from it.
      let start: Map<string, number> | undefined;
      for (let attempt = 1; def.onAssigned && inGroup && running; attempt++) {
        try {
          start = (await def.onAssigned(tps, context)) ?? undefined;
          break;
        } catch (e) {
          const wait = Math.min(backoffMaxMs, backoffMs * 2 ** (attempt - 1));
          logger.warn({ err: (e as Error).message, attempt, waitMs: wait }, 'partition assignment hook failed; retrying');
          await sleep(wait);
        }
      }
      // An assignment of a consumer already disconnected (it left meanwhile): nothing to take over.
      if (!c.isConnected()) {
        logger.info({ group, ignored: tps.map((t) => tpKey(t.topic, t.partition)) }, 'assignment ignored: the consumer has left the group');
        return;
      }
      for (const tp of tps) {
        partitions.set(tpKey(tp.topic, tp.partition), {
          ...tp,
          topicKey: keyOf(tp.topic),
          queue: [],
          paused: false,
          resumeFrom: null,
          commitOffset: null,
          revoking: false,
        });
      }
      const withOffsets = tps.map((tp) => {
        const offset = start?.get(tpKey(tp.topic, tp.partition));
        return offset === undefined ? tp : { ...tp, offset };
      });
      if (cooperative(c)) c.incrementalAssign(withOffsets);
      else c.assign(withOffsets);
      logger.info({ group, assigned: tps.map((t) => tpKey(t.topic, t.partition)) }, 'partitions assigned');
    } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
      // Records not yet handed to the handler go back to the group; the batch in progress finishes and commits.
      for (const tp of tps) {
        const st = partitions.get(tpKey(tp.topic, tp.partition));
        if (st) {
          st.revoking = true;
          inFlightCount -= st.queue.length;
          queuedCount -= st.queue.length;
          st.queue = [];
        }
      }
      if (processing) await processing;
      commitNow(tps, true, c);
      await def.onRevoked?.(tps, context);
      for (const tp of tps) partitions.delete(tpKey(tp.topic, tp.partition));
      if (cooperative(c)) c.incrementalUnassign(tps);
      else c.unassign();
      logger.info({ group, revoked: tps.map((t) => tpKey(t.topic, t.partition)) }, 'partitions revoked');
    } else {
      logger.error({ err: err.message }, 'rebalance error');
    }
  }

  function commitNow(tps: TopicPartition[] | null, sync: boolean, c = consumer): void {
    const offsets: Kafka.TopicPartitionOffset[] = [];
    for (const st of partitions.values()) {
      if (tps && !tps.some((t) => t.topic === st.topic && t.partition === st.partition)) continue;
      if (st.commitOffset === null) continue;
      offsets.push({ topic: st.topic, partition: st.partition, offset: st.commitOffset });
      st.commitOffset = null;
    }
    if (offsets.length === 0) return;
    try {
      if (sync) c.commitSync(offsets);
      else c.commit(offsets);
    } catch (e) {
      // A failed commit means redelivery, never loss.
      logger.warn({ err: String(e) }, 'offset commit failed; records will be redelivered');
    }
  }

  function consumeBatch(n: number): Promise<Kafka.Message[]> {
    return new Promise((resolve) => {
      consumer.consume(n, (err, messages) => {
        if (err) {
          logger.warn({ err: err.message }, 'consume error');
          return resolve([]);
        }
        resolve(messages ?? []);
      });
    });
  }

  async function pollLoop(): Promise<void> {
    while (running) {
      if (!inGroup) {
        await sleep(100);
        continue;
      }
      if (queuedCount >= maxQueued) {
        if (!processing && shouldFlush()) processing = processLoop().finally(() => (processing = null));
        if (Date.now() - lastTakenAt < queueStallMs) {
          await sleep(2);
          continue;
        }
        for (const st of partitions.values()) {
          if (!st.paused && st.queue.length > 0) {
            st.paused = true;
            consumer.pause([{ topic: st.topic, partition: st.partition }]);
          }
        }
      }
      const polled = consumeBatch(Math.max(100, batchSize));
      consuming = polled;
      const messages = await polled;
      for (const m of messages) {
        const st = partitions.get(tpKey(m.topic, m.partition));
        if (!st || st.revoking) continue; // revoked meanwhile
        if (st.paused) {
          st.resumeFrom ??= m.offset;
          continue;
        }
        st.queue.push(m);
        inFlightCount++;
        queuedCount++;
        firstQueuedAt ??= Date.now();
        if (!st.paused && st.queue.length >= perPartitionMax) {
          st.paused = true;
          consumer.pause([{ topic: st.topic, partition: st.partition }]);
        }
      }
      updateGauges();
      if (!processing && shouldFlush()) processing = processLoop().finally(() => (processing = null));
      else if (!processing && inFlightCount === 0) await resumeDrained();
      if (messages.length === 0) await sleep(processing ? 5 : 0);
      else await new Promise((r) => setImmediate(r));
    }
  }

  function shouldFlush(): boolean {
    return queuedCount > 0 && (draining || queuedCount >= batchSize || firstQueuedAt === null || Date.now() - firstQueuedAt >= batchWaitMs);
  }

  function updateGauges(): void {
    stageMetrics.inFlight.set(labels, inFlightCount);
    let paused = 0;
    for (const st of partitions.values()) if (st.paused) paused++;
    stageMetrics.pausedPartitions.set(labels, paused);
  }

  /** Takes up to batchSize records, round-robin over partitions so none starves. */
  function takeBatch(): { messages: Kafka.Message[] } {
    const messages: Kafka.Message[] = [];
    const active = [...partitions.values()].filter((s) => s.queue.length > 0 && !s.revoking);
    const share = Math.max(1, Math.ceil(batchSize / Math.max(1, active.length)));
    for (const st of active) {
      messages.push(...st.queue.splice(0, share));
      if (messages.length >= batchSize) break;
    }
    return { messages };
  }

  /**
   * Batches are pipelined: while the broker acknowledges batches N-depth+1 … N, the handler already works
   * on batch N+1 (the acknowledgement round trip, not the CPU, would otherwise bound a stage). Outputs
   * are still enqueued in order and offsets are committed strictly in batch order, each only after its
   * own outputs (and every earlier batch's) were acknowledged.
   */
  async function processLoop(): Promise<void> {
    let previous: Promise<void> = Promise.resolve();
    const awaiting: Promise<void>[] = [];
    try {
      while (shouldFlush()) {
        const { messages } = takeBatch();
        if (messages.length === 0) break;
        lastTakenAt = Date.now();
        queuedCount -= messages.length;
        firstQueuedAt = queuedCount > 0 ? Date.now() : null;
        const { acknowledged } = await processBatch(messages);
        const done = previous.then(() => acknowledged).then(() => {
          inFlightCount -= messages.length;
          for (const m of messages) {
            const st = partitions.get(tpKey(m.topic, m.partition));
            if (st) st.commitOffset = Math.max(st.commitOffset ?? 0, m.offset + 1);
          }
          commitNow(null, false);
        });
        // Each failure also surfaces through `previous`; this keeps one not awaited yet from being unhandled.
        done.catch(() => undefined);
        previous = done;
        awaiting.push(done);
        // At most pipelineDepth batches wait for acknowledgement while the next one is handled.
        if (awaiting.length >= pipelineDepth) await awaiting.shift();
        await resumeDrained();
        updateGauges();
      }
    } finally {
      // A failure of any batch surfaces here (previous chains them all).
      await previous;
      await resumeDrained();
      updateGauges();
    }
  }

  async function resumeDrained(): Promise<void> {
    for (const st of partitions.values()) if (st.paused && !st.revoking && st.queue.length <= resumeBelow) await resumePartition(st);
  }

  /**
   * Resume a paused partition. Records dropped while it was paused are read again from resumeFrom; if the
   * seek does not succeed the partition stays paused (resuming would skip those records and a later
   * commit would lose them), and the next batch tries again.
   */
  async function resumePartition(st: PartitionState): Promise<void> {
    const tp = { topic: st.topic, partition: st.partition };
    // Leaving the group: no new seek on a consumer about to be disconnected.
    if (!inGroup) return;
    if (st.resumeFrom !== null) {
      const offset = st.resumeFrom;
      const seek = new Promise<{ message: string } | null>((resolve) => consumer.seek({ ...tp, offset }, 5000, (e) => resolve(e ?? null)));
      seeking.add(seek);
      const err = await seek.finally(() => seeking.delete(seek));
      if (err) {
        logger.warn({ err: err.message, ...tp, offset }, 'seek before resume failed; partition stays paused and is retried');
        return;
      }
    }
    st.paused = false;
    st.resumeFrom = null;
    consumer.resume([tp]);
  }

  function headersOf(m: Kafka.Message): Record<string, string> {
    if (!m.headers || m.headers.length === 0) return {};
    const out: Record<string, string> = {};
    for (const h of m.headers) for (const [k, v] of Object.entries(h)) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    return out;
  }

  /** Decode, handle and enqueue the outputs of a batch; `acknowledged` settles once the broker has them all. */
  async function processBatch(messages: Kafka.Message[]): Promise<{ acknowledged: Promise<void> }> {
    const dead: OutRecord[] = [];
    const records: InRecord<T>[] = [];
    const byTopic = new Map<TopicKey, Kafka.Message[]>();
    for (const m of messages) {
      const k = keyOf(m.topic);
      if (!byTopic.has(k)) byTopic.set(k, []);
      byTopic.get(k)!.push(m);
    }
    for (const [k, ms] of byTopic) stageMetrics.recordsIn.inc({ stage: def.stage, topic: inNames.topic(k) }, ms.length);
    for (const [k, ms] of byTopic) {
      await retryTransient('reading writer schemas from the registry', () => serde.prepare(k, ms.map((m) => m.value)));
      for (const m of ms) {
        const base = {
          topic: m.topic,
          topicKey: k,
          partition: m.partition,
          offset: m.offset,
          timestamp: m.timestamp ?? Date.now(),
          key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(String(m.key)),
          headers: headersOf(m),
          raw: m.value,
        };
        try {
          records.push({ ...base, value: serde.decodeSync<T>(k, m.value) });
        } catch (e) {
          dead.push(deadLetter(names, serde, def.stage, base, (e as Error).message, 'decode', 1));
        }
      }
    }
    const outcome = records.length ? await handleWithRetries(records) : { produce: [], reject: [] };
    const out: OutRecord[] = [];
    for (const p of outcome.produce ?? []) {
      const encoded = encodeOutput(p);
      if ('reason' in encoded) {
        if (p.from) dead.push(deadLetter(names, serde, def.stage, p.from, encoded.reason, 'validation', 1));
        else throw new Error(`handler produced an invalid ${p.topic} record: ${encoded.reason}`);
      } else out.push(encoded);
    }
    for (const r of outcome.reject ?? []) dead.push(deadLetter(names, serde, def.stage, r.record, r.reason, r.errorType ?? 'validation', 1));
    // What the acknowledgement needs, and no more: decoded records and encoded outputs of up to
    // pipelineDepth batches would otherwise stay alive until their acks (only a definition with an
    // afterOutputsAcknowledged hook keeps its records).
    const kept = def.afterOutputsAcknowledged ? records : null;
    const count = outputCounts(out, dead);
    const acknowledged = sendWithRetry([...out, ...dead]).then(async () => {
      if (kept) await def.afterOutputsAcknowledged!(kept, context);
      count();
      const now = Date.now();
      for (const m of messages) endToEnd.observe(Math.max(0, now - (m.timestamp ?? now)) / 1000);
    });
    // Awaited in order by processLoop; this only keeps an early failure from being reported as unhandled.
    acknowledged.catch(() => undefined);
    return { acknowledged };
  }

  /** Per-topic counters, incremented once per batch rather than once per record (call once acknowledged). */
  function outputCounts(out: OutRecord[], dead: OutRecord[]): () => void {
    const outs = new Map<string, number>();
    for (const o of out) outs.set(o.topic, (outs.get(o.topic) ?? 0) + 1);
    const deadLabels = dead.map((d) => ({ stage: def.stage, topic: d.headers?.['sluice-source-topic'] ?? '', error_type: d.headers?.['sluice-error-type'] ?? '' }));
    return () => {
      for (const [topic, n] of outs) stageMetrics.recordsOut.inc({ stage: def.stage, topic }, n);
      for (const l of deadLabels) stageMetrics.recordsDeadLettered.inc(l);
    };
  }

  function encodeOutput(p: Produce): OutRecord | { reason: string } {
    try {
      // modelState carries the stage's own JSON checkpoints (null: a tombstone for the compacted topic).
      const value =
        p.topic === 'modelState'
          ? p.value === null
            ? null
            : Buffer.isBuffer(p.value)
              ? p.value
              : Buffer.from(JSON.stringify(p.value))
          : p.from
            ? serde.encodeDerived(p.topic, p.value, p.from)
            : serde.encode(p.topic, p.value);
      return { topic: names.topic(p.topic), key: p.key, value, headers: p.headers, partition: p.partition };
    } catch (e) {
      return { reason: (e as Error).message };
    }
  }

  async function retryTransient(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const wait = Math.min(backoffMaxMs, backoffMs * 2 ** (attempt - 1));
        logger.warn({ err: (e as Error).message, attempt, waitMs: wait }, `${what} failed; retrying`);
        await sleep(wait);
      }
    }
  }

  async function sendWithRetry(records: OutRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.send(records);
        return;
      } catch (e) {
        // Outputs not acknowledged: never commit; retry (duplicates downstream are idempotent).
        const wait = Math.min(backoffMaxMs, backoffMs * 2 ** (attempt - 1));
        logger.warn({ err: (e as Error).message, attempt, waitMs: wait }, 'producing outputs failed; retrying');
        await sleep(wait);
        if (!running && attempt > maxAttempts) throw e;
      }
    }
  }

  async function runHandler(batch: InRecord<T>[]): Promise<BatchOutcome> {
    const end = stageMetrics.handlerSeconds.startTimer(labels);
    stageMetrics.batchSize.observe(labels, batch.length);
    try {
      return await def.handle(batch, context);
    } finally {
      end();
    }
  }

  async function handleWithRetries(batch: InRecord<T>[]): Promise<BatchOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await runHandler(batch);
      } catch (e) {
        stageMetrics.recordsFailed.inc({ stage: def.stage, topic: batch[0].topic }, batch.length);
        const transient = def.isTransient?.(e) ?? false;
        const wait = Math.min(backoffMaxMs, backoffMs * 2 ** (attempt - 1));
        if (transient || attempt < maxAttempts) {
          logger.warn({ err: (e as Error).message, attempt, transient, waitMs: wait, records: batch.length }, 'handler failed; retrying');
          await sleep(wait);
          continue;
        }
        // Not transient and out of attempts: isolate the records that fail on their own.
        if (batch.length === 1) {
          return { reject: [{ record: batch[0], reason: `handler failed after ${attempt} attempts: ${(e as Error).message}`, errorType: 'handler' }] };
        }
        const mid = Math.ceil(batch.length / 2);
        const [a, b] = [await handleIsolated(batch.slice(0, mid)), await handleIsolated(batch.slice(mid))];
        return { produce: [...(a.produce ?? []), ...(b.produce ?? [])], reject: [...(a.reject ?? []), ...(b.reject ?? [])] };
      }
    }
  }

  async function handleIsolated(batch: InRecord<T>[]): Promise<BatchOutcome> {
    try {
      return await runHandler(batch);
    } catch (e) {
      if (def.isTransient?.(e)) return handleWithRetries(batch);
      if (batch.length === 1) return { reject: [{ record: batch[0], reason: `handler failed: ${(e as Error).message}`, errorType: 'handler' }] };
      const mid = Math.ceil(batch.length / 2);
      const [a, b] = [await handleIsolated(batch.slice(0, mid)), await handleIsolated(batch.slice(mid))];
      return { produce: [...(a.produce ?? []), ...(b.produce ?? [])], reject: [...(a.reject ?? []), ...(b.reject ?? [])] };
    }
  }

  // Lag of this stage's own group, exported as metrics.
  const lagTracker = new LagTracker(admin);
  const lagInterval = options.lagIntervalMs ?? 5000;
  const lagTimer =
    lagInterval > 0
      ? setInterval(() => {
          lagTracker.sample(group, inputs.map((k) => inNames.topic(k))).catch((e) => logger.debug({ err: String(e) }, 'lag sample failed'));
        }, lagInterval)
      : null;
  lagTimer?.unref();

  const control =
    options.control === false
      ? null
      : await listenForControl({
          brokers: options.brokers,
          topic: names.topic('control'),
          serde,
          producer,
          logger,
          target: { group, instance, leaveGroup: () => running$.leaveGroup(), rejoinGroup: () => running$.rejoinGroup() },
        });

  const poller = pollLoop().catch((e: Error) => {
    logger.error({ err: e.message }, 'stage loop failed');
    fail(e);
  });

  /** Finish every consumed record, commit synchronously and leave the group. */
  async function drainAndLeave(): Promise<void> {
    inGroup = false;
    draining = true;
    // inGroup is false, so the poller starts no new consume or seek; the records of the consume in
    // flight join the queues and are handled below with the rest.
    await consuming;
    while (processing || inFlightCount > 0) {
      if (!processing) processing = processLoop().finally(() => (processing = null));
      await processing;
    }
    draining = false;
    await Promise.all(seeking);
    // Rebalance events already dispatched are handled before the consumer closes: an assignment applied
    // while it closes would race node-rdkafka's teardown of the client. (A revoke that the close itself
    // raises is still handled during the close; it has to be, for the close to finish.)
    for (let settled = rebalancing; ; settled = rebalancing) {
      await settled;
      await new Promise((resolve) => setImmediate(resolve));
      if (rebalancing === settled) break;
    }
    if (consumer.isConnected()) {
      commitNow(null, true);
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
    await rebalancing;
    partitions.clear();
  }

  const running$: RunningStage = {
    context,
    producer,
    assignment: () => [...partitions.values()].map((s) => ({ topic: s.topic, partition: s.partition })),
    inFlight: () => inFlightCount,
    isReady: () => running && producer.isConnected && inGroup,
    async leaveGroup() {
      if (!inGroup) return;
      await drainAndLeave();
      logger.info({ group }, 'left the group');
    },
    async rejoinGroup() {
      if (inGroup || !running) return;
      consumer = createConsumer();
      await connectConsumer();
      logger.info({ group }, 'rejoined the group');
    },
    async stop() {
      if (!running) return;
      if (inGroup) await drainAndLeave();
      running = false;
      await poller;
      await control?.close();
      if (lagTimer) clearInterval(lagTimer);
      await def.stop?.(context);
      await producer.disconnect();
      await admin.disconnect();
      logger.info({ group }, 'stage stopped');
    },
    failed,
  };
  return running$;
}
