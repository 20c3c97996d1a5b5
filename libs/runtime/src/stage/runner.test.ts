import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { DeadLetter, EnrichedEvent, Naming, RawEvent } from '@sluice/contracts';
import { AvroSerde, createLogger, registry as metricsRegistry, startStage, type RunningStage, type StageDefinition } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, rawEvent, readTopic, sleep, uniquePrefix } from '../../../../test/support/kafka';

const logger = createLogger('runner-test', 'warn');

function passthrough(overrides: Partial<StageDefinition<RawEvent>> = {}): StageDefinition<RawEvent> {
  return {
    stage: 'enrich',
    outputs: ['enriched'],
    async handle(batch) {
      const reject = batch.filter((r) => r.value.id.startsWith('reject-')).map((r) => ({ record: r, reason: `field "id": ${r.value.id} is refused by the test handler` }));
      const produce = batch
        .filter((r) => !r.value.id.startsWith('reject-'))
        .map((r) => ({ topic: 'enriched' as const, key: r.key?.toString() ?? null, value: { event: r.value, enrichment: {} }, from: r }));
      return { produce, reject };
    },
    ...overrides,
  };
}

/** `total` raw events from 12 authors, so every partition gets some. */
async function produceSpread(names: Naming, serde: AvroSerde, total: number): Promise<void> {
  await produce(
    Array.from({ length: total }, (_, i) => {
      const e = rawEvent({ author: { id: `a${i % 12}` } });
      return { topic: names.topic('raw'), key: `twitter:a${i % 12}`, value: serde.encode('raw', e) };
    }),
  );
}

/** Watches a stage until `done`: the most records it held in flight, and whether it ever paused a partition. */
async function watchUntil(stage: RunningStage, done: () => boolean): Promise<{ maxInFlight: number; sawPaused: boolean }> {
  let maxInFlight = 0;
  let sawPaused = false;
  await eventually(async () => {
    maxInFlight = Math.max(maxInFlight, stage.inFlight());
    const paused = (await metricsRegistry.getSingleMetric('sluice_paused_partitions')?.get())?.values.find((v) => v.labels.stage === 'enrich')?.value ?? 0;
    if (paused > 0) sawPaused = true;
    return done();
  }, 60_000, 5);
  return { maxInFlight, sawPaused };
}

async function run(prefix: string, def: StageDefinition<RawEvent>, extra: Partial<Parameters<typeof startStage>[1]> = {}): Promise<RunningStage> {
  return startStage(def, { brokers: BROKERS, registryUrl: REGISTRY_URL, prefix, logger, lagIntervalMs: 0, batchWaitMs: 5, ...extra });
}

describe('stage runtime against the real broker', () => {
  test('a poison record is dead-lettered with its reason while the records around it flow on', async () => {
    const prefix = uniquePrefix('poison');
    const { names, serde } = await provision(prefix);
    const good1 = rawEvent({ author: { id: 'same' } });
    const rejected = rawEvent({ id: 'reject-1', author: { id: 'same' } });
    const good2 = rawEvent({ author: { id: 'same' } });
    const garbage = Buffer.from('this is not avro');
    await produce([
      { topic: names.topic('raw'), key: 'k', value: serde.encode('raw', good1) },
      { topic: names.topic('raw'), key: 'k', value: garbage },
      { topic: names.topic('raw'), key: 'k', value: serde.encode('raw', rejected) },
      { topic: names.topic('raw'), key: 'k', value: serde.encode('raw', good2) },
    ]);
    const stage = await run(prefix, passthrough());
    try {
      const out = await readTopic(names.topic('enriched'), 2);
      const ids = await Promise.all(out.map(async (r) => (await serde.decode<EnrichedEvent>('enriched', r.value)).event.id));
      expect(ids).toEqual([good1.id, good2.id]);

      const dead = await readTopic(names.topic('dlq'), 2);
      const letters = await Promise.all(dead.map((r) => serde.decode<DeadLetter>('dlq', r.value)));
      letters.sort((a, b) => a.sourceOffset - b.sourceOffset);
      expect(letters).toHaveLength(2);
      expect(letters[0]).toMatchObject({ stage: 'enrich', errorType: 'decode', sourceTopic: names.topic('raw'), sourceOffset: 1 });
      expect(letters[0].reason).toMatch(/Confluent wire header/);
      expect(Buffer.compare(letters[0].value as Buffer, garbage)).toBe(0);
      expect(letters[1]).toMatchObject({ errorType: 'validation', sourceOffset: 2 });
      expect(letters[1].reason).toContain('field "id"');
    } finally {
      await stage.stop();
    }
  });

  test('a handler that keeps failing on one record isolates it to the dead-letter topic; the others pass', async () => {
    const prefix = uniquePrefix('isolate');
    const { names, serde } = await provision(prefix);
    const events = Array.from({ length: 10 }, (_, i) => rawEvent({ id: i === 4 ? 'explode' : `ok-${i}`, author: { id: 'one' } }));
    await produce(events.map((e) => ({ topic: names.topic('raw'), key: 'one', value: serde.encode('raw', e) })));
    const stage = await run(
      prefix,
      passthrough({
        async handle(batch) {
          if (batch.some((r) => r.value.id === 'explode')) throw new Error('cannot handle "explode"');
          return { produce: batch.map((r) => ({ topic: 'enriched' as const, key: 'one', value: { event: r.value, enrichment: {} } })) };
        },
      }),
      { maxAttempts: 2, retryBackoffMs: 10 },
    );
    try {
      const out = await readTopic(names.topic('enriched'), 9);
      const ids = await Promise.all(out.map(async (r) => (await serde.decode<EnrichedEvent>('enriched', r.value)).event.id));
      expect(ids.sort()).toEqual(events.filter((e) => e.id !== 'explode').map((e) => e.id).sort());
      const [letter] = await readTopic(names.topic('dlq'), 1);
      const decoded = await serde.decode<DeadLetter>('dlq', letter.value);
      expect(decoded).toMatchObject({ errorType: 'handler', sourceOffset: 4 });
      expect(decoded.reason).toContain('cannot handle "explode"');
    } finally {
      await stage.stop();
    }
  });

  test('a slow handler pauses partitions and the records held in memory stay bounded', async () => {
    const prefix = uniquePrefix('slow');
    const { names, serde } = await provision(prefix);
    const total = 3000;
    await produceSpread(names, serde, total);
    const perPartition = 40;
    const batchSize = 50;
    let handled = 0;
    const stage = await run(
      prefix,
      passthrough({
        async handle(batch) {
          await sleep(15);
          handled += batch.length;
          return { produce: batch.map((r) => ({ topic: 'enriched' as const, key: null, value: { event: r.value, enrichment: {} } })) };
        },
      }),
      // A read-ahead bound above every partition's limit: the per-partition pause is what is tested here.
      { batchSize, maxInFlightPerPartition: perPartition, maxQueued: 100_000 },
    );
    try {
      const { maxInFlight, sawPaused } = await watchUntil(stage, () => handled >= total);
      const partitions = 6;
      // Bound: every partition's queue at its limit, plus the batch in the handler and the one awaiting acks.
      expect(maxInFlight).toBeLessThanOrEqual(partitions * perPartition + 2 * batchSize);
      expect(sawPaused).toBe(true);
      const out = await readTopic(names.topic('enriched'), total);
      expect(out).toHaveLength(total);
    } finally {
      await stage.stop();
    }
  });

  test('under a backlog the read-ahead stays within maxQueued without pausing any partition, and every record flows', async () => {
    const prefix = uniquePrefix('readahead');
    const { names, serde } = await provision(prefix);
    const total = 1200;
    await produceSpread(names, serde, total);
    const batchSize = 50;
    const maxQueued = 100;
    const seen = new Set<string>();
    const stage = await run(
      prefix,
      passthrough({
        async handle(batch) {
          await sleep(15);
          for (const r of batch) seen.add(r.value.id);
          return { produce: batch.map((r) => ({ topic: 'enriched' as const, key: null, value: { event: r.value, enrichment: {} }, from: r })) };
        },
      }),
      { batchSize, maxQueued, pipelineDepth: 3 },
    );
    try {
      const { maxInFlight, sawPaused } = await watchUntil(stage, () => seen.size >= total);
      // Queued: under maxQueued before a poll, plus one poll (at most 100 records); in the handler and
      // awaiting acknowledgement: pipelineDepth + 1 batches.
      expect(maxInFlight).toBeLessThanOrEqual(maxQueued + 100 + 4 * batchSize);
      expect(sawPaused).toBe(false);
      const out = await readTopic(names.topic('enriched'), total);
      expect(out).toHaveLength(total);
      const ids = await Promise.all(out.map(async (r) => (await serde.decode<EnrichedEvent>('enriched', r.value)).event.id));
      expect(new Set(ids).size).toBe(total);
    } finally {
      await stage.stop();
    }
  });

  test('at least once: a consumer killed after producing but before committing has its records redelivered', async () => {
    const prefix = uniquePrefix('alo');
    const { names, serde } = await provision(prefix);
    const events = Array.from({ length: 200 }, (_, i) => rawEvent({ id: `alo-${i}`, author: { id: 'solo' } }));
    await produce(events.map((e) => ({ topic: names.topic('raw'), key: 'solo', value: serde.encode('raw', e) })));

    const fixture = path.resolve(__dirname, '../../test-fixtures/passthrough-stage.js');
    const runChild = (crash: boolean) =>
      new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [fixture], {
          env: { ...process.env, PREFIX: prefix, CRASH_AFTER_ACK: crash ? '1' : '0', BATCH_SIZE: '50' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code, signal) => resolve({ code, signal, out }));
        if (!crash) {
          // The survivor runs until everything is through, then is stopped gracefully.
          readTopic(names.topic('enriched'), events.length + 1, 60_000).then(() => child.kill('SIGTERM'));
        }
      });

    const crashed = await runChild(true);
    expect(crashed.signal).toBe('SIGKILL');
    const afterCrash = await readTopic(names.topic('enriched'), 1, 10_000);
    expect(afterCrash.length).toBeGreaterThan(0);

    await runChild(false);
    const out = await readTopic(names.topic('enriched'), events.length + 1, 30_000);
    const ids = await Promise.all(out.map(async (r) => (await serde.decode<EnrichedEvent>('enriched', r.value)).event.id));
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    // Nothing lost …
    for (const e of events) expect(counts.get(e.id)).toBeGreaterThanOrEqual(1);
    // … and the crashed batch was delivered again, proving its offsets were not committed early.
    expect([...counts.values()].some((c) => c > 1)).toBe(true);
  }, 120_000);
});
