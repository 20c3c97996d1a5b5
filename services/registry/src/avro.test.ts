import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSchema } from './avro';
import { RegistryError } from './errors';

const text = (schema: unknown) => JSON.stringify(schema);

describe('canonical form', () => {
  it('ignores whitespace, key order and how names are qualified', () => {
    const a = parseSchema(
      text({ type: 'record', name: 'Foo', namespace: 'dev.sluice.events', fields: [{ name: 'a', type: 'int' }, { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X'] } }, { name: 'again', type: 'E' }] }),
    );
    const b = parseSchema(`{
      "fields": [ {"type": {"type": "int"}, "name": "a"},
                  {"name": "e", "type": {"symbols": ["X"], "name": "dev.sluice.events.E", "type": "enum"}},
                  {"type": "dev.sluice.events.E", "name": "again"} ],
      "name": "dev.sluice.events.Foo", "type": "record" }`);
    expect(b.canonical).toBe(a.canonical);
    expect(b.hash).toBe(a.hash);
    expect(JSON.parse(a.canonical)).toEqual({
      name: 'dev.sluice.events.Foo',
      type: 'record',
      fields: [
        { name: 'a', type: 'int' },
        { name: 'e', type: { name: 'dev.sluice.events.E', type: 'enum', symbols: ['X'] } },
        { name: 'again', type: 'dev.sluice.events.E' },
      ],
    });
  });

  it('keeps what decides decoding and compatibility: defaults, logical types, enum defaults, docs, custom attributes', () => {
    const schema = {
      type: 'record',
      name: 'Foo',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0, doc: 'when' },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'], default: 'A' } },
        { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }, 'x-unit': 'EUR' },
      ],
    };
    const canonical = JSON.parse(parseSchema(text(schema)).canonical);
    expect(canonical.fields[0]).toEqual({ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0, doc: 'when' });
    expect(canonical.fields[1].type.default).toBe('A');
    expect(canonical.fields[2]).toEqual({ name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }, 'x-unit': 'EUR' });
    expect(parseSchema(text({ ...schema, doc: 'changed' })).hash).not.toBe(parseSchema(text(schema)).hash);
  });

  it('qualifies nested names in the enclosing namespace and keeps explicit ones', () => {
    const canonical = JSON.parse(
      parseSchema(
        text({
          type: 'record',
          name: 'a.Outer',
          fields: [
            { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'f', type: { type: 'fixed', name: 'F', namespace: 'b', size: 2 } }] } },
            { name: 'f2', type: 'b.F' },
          ],
        }),
      ).canonical,
    );
    expect(canonical.fields[0].type.name).toBe('a.Inner');
    expect(canonical.fields[0].type.fields[0].type.name).toBe('b.F');
    expect(canonical.fields[1].type).toBe('b.F');
  });

  it('accepts the primitive schemas and Sluice schemas from schemas/', () => {
    expect(parseSchema('"string"').canonical).toBe('"string"');
    expect(parseSchema('{"type": "long"}').canonical).toBe('"long"');
    const raw = fs.readFileSync(path.resolve(__dirname, '../../../schemas/RawEvent.avsc'), 'utf8');
    const parsed = parseSchema(raw);
    expect(parseSchema(parsed.canonical).canonical).toBe(parsed.canonical);
  });

  it.each([
    ['not JSON', '{"type": '],
    ['an unknown type', '{"type": "recrd", "name": "X", "fields": []}'],
    ['an anonymous record', '{"type": "record", "fields": []}'],
    ['a default of the wrong type', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "int", "default": "x"}]}'],
    ['an undefined name', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "Missing"}]}'],
    ['an empty string', ''],
  ])('rejects %s with error 42201', (_label, schema) => {
    expect.assertions(2);
    try {
      parseSchema(schema);
    } catch (err) {
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).errorCode).toBe(42201);
    }
  });
});
