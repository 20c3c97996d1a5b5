import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RawAvroSchema } from '@kafkajs/confluent-schema-registry/dist/@types';
import * as avro from 'avsc';
import type { RunningRegistry } from './registry';
import { deleteTopic, startTestRegistry, uniqueTopic } from './test-support';

const topic = uniqueTopic('client');
let registry: RunningRegistry;

beforeAll(async () => {
  registry = await startTestRegistry(topic);
});
afterAll(async () => {
  await registry?.close();
  await deleteTopic(topic);
});

const schemaV1 = {
  type: 'record',
  name: 'Reading',
  namespace: 'dev.sluice.events',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tags', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'label', type: ['null', 'string'], default: null },
  ],
};
const value = { sensor: 's-1', value: 21.5, at: 1_700_000_000_000, tags: { room: 'lab' }, label: 'ok' };

describe('@kafkajs/confluent-schema-registry against this registry', () => {
  it('registers, encodes and decodes', async () => {
    const client = new SchemaRegistry({ host: registry.url });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) }, { subject: 'readings-value' });
    expect(id).toBeGreaterThan(0);

    const encoded = await client.encode(id, value);
    expect(await client.decode(encoded)).toEqual(value);

    // A fresh client has nothing cached: it fetches the writer schema by id from the registry.
    const consumerSide = new SchemaRegistry({ host: registry.url });
    expect(await consumerSide.decode(encoded)).toEqual(value);
    expect(await consumerSide.getLatestSchemaId('readings-value')).toBe(id);
    expect(await consumerSide.getRegistryIdBySchema('readings-value', { type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) })).toBe(id);
  });

  it('writes the Confluent wire format, which plain avsc decodes after the 5-byte header', async () => {
    const client = new SchemaRegistry({ host: registry.url });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) }, { subject: 'readings-value' });
    const encoded = await client.encode(id, value);
    expect(encoded[0]).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(avro.Type.forSchema(schemaV1 as avro.Schema).fromBuffer(encoded.subarray(5))).toEqual(value);
  });

  it('evolves a subject: a compatible version decodes old data, an incompatible one is refused with the reason', async () => {
    const client = new SchemaRegistry({ host: registry.url });
    const v1 = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV1) }, { subject: 'readings-value' });
    const oldBytes = await client.encode(v1.id, value);

    const schemaV2 = { ...schemaV1, fields: [...schemaV1.fields, { name: 'unit', type: 'string', default: 'C' }] };
    const v2 = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV2) }, { subject: 'readings-value' });
    expect(v2.id).not.toBe(v1.id);
    expect(await client.decode(oldBytes, { [SchemaType.AVRO]: { readerSchema: schemaV2 as RawAvroSchema } })).toEqual({ ...value, unit: 'C' });

    const schemaV3 = { ...schemaV2, fields: [...schemaV2.fields, { name: 'precision', type: 'int' }] };
    await expect(client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schemaV3) }, { subject: 'readings-value' })).rejects.toThrow(
      'field "precision" (int) was added to record dev.sluice.events.Reading without a default',
    );
  });
});
