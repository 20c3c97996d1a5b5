import { loadSchemas } from '@sluice/contracts';
import { EVENT_TIME_WINDOW_NOTE, OPTIONAL_ON_INPUT, SET_BY_INGEST, STRING_RULES, TIMESTAMP_EXPECTED, TIMESTAMP_FIELDS } from './rules';

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) object. */
export type JsonSchema = Record<string, unknown>;

type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

interface Shape {
  /** How the input differs from the wire record (the HTTP input of ingest); absent for the wire record itself. */
  input?: boolean;
}

const PRIMITIVES: Record<string, JsonSchema> = {
  null: { type: 'null' },
  boolean: { type: 'boolean' },
  int: { type: 'integer', format: 'int32' },
  long: { type: 'integer', format: 'int64' },
  float: { type: 'number', format: 'float' },
  double: { type: 'number', format: 'double' },
  string: { type: 'string' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

/**
 * Converts an Avro schema (the JSON of a .avsc file) to JSON Schema. Records become closed objects whose
 * required properties are the fields without a default; [null, X] unions become "X or null"; enums become
 * string enums; logical timestamp-millis becomes an int64 with its meaning in the description. With
 * `input`, the shape is the one ingest accepts over HTTP: rules.ts says which fields ingest sets, which
 * it fills in, and what the schema cannot say (lengths, patterns, ISO-8601 timestamps).
 */
export function avroToJsonSchema(schema: AvroSchema, shape: Shape = {}): JsonSchema {
  const named = new Map<string, JsonSchema>();
  return convert(schema, '', shape, named, undefined);
}

function convert(schema: AvroSchema, path: string, shape: Shape, named: Map<string, JsonSchema>, namespace: string | undefined): JsonSchema {
  if (typeof schema === 'string') {
    if (PRIMITIVES[schema]) return { ...PRIMITIVES[schema] };
    const ref = named.get(schema) ?? named.get(`${namespace}.${schema}`);
    if (!ref) throw new Error(`Avro schema refers to ${schema}, which is not defined before it`);
    return structuredClone(ref);
  }
  if (Array.isArray(schema)) return union(schema, path, shape, named, namespace);
  const type = schema.type as AvroSchema;
  // {"type": {...}} wraps another schema; {"type": "string"} is a primitive unless a logical type rides on it.
  if (typeof type !== 'string' || (PRIMITIVES[type] && schema.logicalType === undefined)) return convert(type, path, shape, named, namespace);
  const doc = typeof schema.doc === 'string' ? { description: schema.doc } : {};
  const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  const remember = (out: JsonSchema) => {
    if (typeof schema.name === 'string') named.set(schema.name.includes('.') || !ns ? schema.name : `${ns}.${schema.name}`, out);
    return out;
  };
  switch (type) {
    case 'record':
    case 'error': {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const field of schema.fields as Array<Record<string, unknown>>) {
        const name = field.name as string;
        const fieldPath = path ? `${path}.${name}` : name;
        if (shape.input && SET_BY_INGEST[fieldPath]) continue;
        let prop = convert(field.type as AvroSchema, fieldPath, shape, named, ns);
        const fieldDoc = typeof field.doc === 'string' ? field.doc : undefined;
        const notes: string[] = [];
        if (fieldDoc) notes.push(fieldDoc);
        if (shape.input && OPTIONAL_ON_INPUT[fieldPath]) notes.push(`Optional: ${OPTIONAL_ON_INPUT[fieldPath]}.`);
        if (shape.input && TIMESTAMP_FIELDS.includes(fieldPath)) {
          prop = { oneOf: [prop, { type: 'string', format: 'date-time' }] };
          notes.push(`Accepted as ${TIMESTAMP_EXPECTED}.`, EVENT_TIME_WINDOW_NOTE);
        }
        const rule = shape.input ? STRING_RULES[fieldPath] : undefined;
        if (rule) {
          if (rule.minLength !== undefined) prop.minLength = rule.minLength;
          if (rule.maxLength !== undefined) prop.maxLength = rule.maxLength;
          if (rule.pattern) prop.pattern = rule.pattern.source;
        }
        if (notes.length) prop.description = notes.join(' ');
        if (field.default !== undefined) prop.default = field.default;
        properties[name] = prop;
        if (field.default === undefined && !(shape.input && OPTIONAL_ON_INPUT[fieldPath])) required.push(name);
      }
      return remember({ type: 'object', ...doc, properties, required, additionalProperties: false });
    }
    case 'enum':
      return remember({ type: 'string', ...doc, enum: [...(schema.symbols as string[])] });
    case 'fixed':
      return remember({ type: 'string', ...doc, contentEncoding: 'base64' });
    case 'map':
      return { type: 'object', ...doc, additionalProperties: convert(schema.values as AvroSchema, `${path}.*`, shape, named, ns) };
    case 'array':
      return { type: 'array', ...doc, items: convert(schema.items as AvroSchema, `${path}[]`, shape, named, ns) };
    default: {
      const base = { ...(PRIMITIVES[type] ?? {}) };
      if (schema.logicalType === 'timestamp-millis') base.description = 'UTC milliseconds since the epoch.';
      if (typeof schema.logicalType === 'string') base['x-avro-logical-type'] = schema.logicalType;
      return base;
    }
  }
}

function union(branches: AvroSchema[], path: string, shape: Shape, named: Map<string, JsonSchema>, namespace: string | undefined): JsonSchema {
  const converted = branches.map((b) => convert(b, path, shape, named, namespace));
  const nullable = converted.some((c) => c.type === 'null');
  const others = converted.filter((c) => c.type !== 'null');
  if (others.length === 1 && nullable) {
    const only = others[0];
    // "string or null" reads better as a type list than as anyOf, when the branch is a plain type.
    if (typeof only.type === 'string' && only.type !== 'object') return { ...only, type: [only.type, 'null'] };
    return { anyOf: [only, { type: 'null' }] };
  }
  return { anyOf: converted };
}

/** The JSON Schema of one event as POSTed to ingest, generated from schemas/RawEvent.avsc. */
export function rawEventInputSchema(): JsonSchema {
  return avroToJsonSchema(loadSchemas().files.RawEvent as AvroSchema, { input: true });
}

/** The JSON Schema of a RawEvent as it is on the raw topic (what direct-Kafka producers write). */
export function rawEventSchema(): JsonSchema {
  return avroToJsonSchema(loadSchemas().files.RawEvent as AvroSchema);
}
