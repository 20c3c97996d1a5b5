import { readSchemaFile } from '@sluice/contracts';
import { avroToJsonSchema, rawEventInputSchema, rawEventSchema } from './json-schema';

type Obj = Record<string, any>;

describe('Avro to JSON Schema', () => {
  test('the input schema follows RawEvent.avsc field by field, minus what ingest sets', () => {
    const avsc = readSchemaFile('RawEvent') as Obj;
    const input = rawEventInputSchema() as Obj;
    const fields = (avsc.fields as Obj[]).map((f) => f.name);
    expect(Object.keys(input.properties)).toEqual(fields.filter((f) => f !== 'receivedAt' && f !== 'producer'));
    expect(input.required).toEqual(['source', 'kind', 'occurredAt', 'author']);
    expect(input.additionalProperties).toBe(false);
    expect(input.properties.kind.enum).toEqual(avsc.fields.find((f: Obj) => f.name === 'kind').type.symbols);
    expect(input.properties.occurredAt.oneOf).toEqual([
      { type: 'integer', format: 'int64', description: 'UTC milliseconds since the epoch.', 'x-avro-logical-type': 'timestamp-millis' },
      { type: 'string', format: 'date-time' },
    ]);
    expect(input.properties.id).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
    expect(input.properties.source.pattern).toBe('^[a-z0-9][a-z0-9._-]*$');
    expect(input.properties.author).toMatchObject({ type: 'object', required: ['id'], properties: { handle: { type: ['string', 'null'], default: null } } });
    expect(input.properties.author.properties.id).toMatchObject({ minLength: 1, maxLength: 256 });
    expect(input.properties.engagement.anyOf[1]).toEqual({ type: 'null' });
    expect(input.properties.engagement.anyOf[0].properties.likes).toMatchObject({ type: 'integer', format: 'int64', default: 0 });
    expect(input.properties.attributes).toMatchObject({ type: 'object', additionalProperties: { type: 'string' }, default: {} });
  });

  test('the wire schema keeps every field and requires those without defaults', () => {
    const wire = rawEventSchema() as Obj;
    expect(wire.required).toEqual(['id', 'source', 'kind', 'occurredAt', 'receivedAt', 'author']);
    expect(wire.properties.producer).toMatchObject({ type: ['string', 'null'], default: null });
  });

  test('named types referenced again are expanded; arrays and maps convert', () => {
    const schema = avroToJsonSchema({
      type: 'record',
      name: 'R',
      namespace: 'x',
      fields: [
        { name: 'a', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
        { name: 'b', type: { type: 'array', items: 'E' } },
        { name: 'c', type: { type: 'map', values: ['null', 'double'] } },
      ],
    }) as Obj;
    expect(schema.properties.b).toEqual({ type: 'array', items: { type: 'string', enum: ['A', 'B'] } });
    expect(schema.properties.c).toEqual({ type: 'object', additionalProperties: { type: ['number', 'null'], format: 'double' } });
  });
});
