import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { naming, type RawEvent } from '@sluice/contracts';
import { AvroSerde, RegistryClient, createLogger, ensureTopics, kafkaAdminClient } from '@sluice/runtime';
import { BROKERS, REGISTRY_URL, eventually, readTopic, uniquePrefix } from '../../../test/support/kafka';
import { ingestConfigFrom } from './config';
import { hashApiKey } from './producers';
import { startIngest } from './service';

const root = path.resolve(__dirname, '../../..');
const example = path.join(root, 'examples/direct-kafka/produce.js');

/** Runs the example as a user would, with its own kafkajs and Confluent serializer (resolved from this package's devDependencies). */
function runExample(prefix: string, args: string[]): Promise<{ schemaId: number; sent: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [example, ...args],
      {
        env: { ...process.env, SLUICE_TOPIC_PREFIX: prefix, KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, NODE_PATH: path.resolve(__dirname, '../node_modules') },
        timeout: 60_000,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!))),
    );
  });
}

describe('direct-Kafka producers (examples/direct-kafka, a plain kafkajs + Confluent serializer client)', () => {
  test('records it produces are Confluent-framed RawEvents that Sluice decodes, and ingest starts on the schema it registered', async () => {
    const prefix = uniquePrefix('direct');
    const names = naming(prefix);
    const admin = kafkaAdminClient(BROKERS, 'direct-test');
    await admin.connect();
    await ensureTopics(admin, names, ['raw']);
    await admin.disconnect();

    // The subject is still empty: the example registers schemas/RawEvent.avsc itself.
    const out = await runExample(prefix, ['--count', '3', '--invalid']);
    expect(out.sent).toHaveLength(4);
    const registry = new RegistryClient(REGISTRY_URL);
    expect((await registry.latest(names.subject('raw'))).id).toBe(out.schemaId);

    const serde = new AvroSerde(registry, prefix);
    const records = await readTopic(names.topic('raw'), 4);
    const decoded = await Promise.all(records.map(async (r) => ({ r, e: await serde.decode<RawEvent>('raw', r.value) })));
    expect(decoded.map((d) => d.e.id).sort()).toEqual([...out.sent].sort());
    for (const { r, e } of decoded) {
      expect(r.value!.readUInt32BE(1)).toBe(out.schemaId);
      expect(r.key!.toString()).toBe(`${e.source}:${e.author.id}`);
      expect(e).toMatchObject({ kind: 'CHAT', producer: null, attributes: { channel: 'direct-kafka-example' } });
    }
    // Valid Avro that breaks Sluice's rules: the enrich stage dead-letters it; here it is only carried.
    expect(decoded.filter((d) => d.e.source === 'Twitter Feed')).toHaveLength(1);

    // Ingest starts on a subject a direct producer registered first (its schema text differs from Sluice's
    // registered form, so ingest's registration is a compatible new version) and its events sit beside them.
    const ingest = await startIngest(
      ingestConfigFrom({ KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix, PORT: '0', INGEST_API_KEYS: `acme:${hashApiKey('k')}`, INGEST_LAG_INTERVAL_MS: '0' }),
      { logger: createLogger('direct-test', 'silent') },
    );
    try {
      await eventually(async () => ingest.sink.isConnected);
      const res = await fetch(`${ingest.url}/v1/events`, {
        method: 'POST',
        headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'via-http', source: 'telegram', kind: 'CHAT', occurredAt: Date.now(), author: { id: 'channel-0' } }),
      });
      expect(res.status).toBe(202);
      const all = await readTopic(names.topic('raw'), 5);
      const viaHttp = await Promise.all(all.map((r) => serde.decode<RawEvent>('raw', r.value)));
      expect(viaHttp.find((e) => e.id === 'via-http')).toMatchObject({ producer: 'acme', author: { id: 'channel-0' } });
    } finally {
      await ingest.stop();
    }
  });
});
