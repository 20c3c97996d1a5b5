import * as avro from 'avsc';
import { loadSchemas, naming, TOPICS, type Naming, type SchemaName, type TopicKey } from '@sluice/contracts';
import { RegistryClient, RegistryError } from './client';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body. */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

export class ValidationError extends Error {
  constructor(
    readonly schema: string,
    readonly problems: string[],
  ) {
    super(`${schema} is invalid: ${problems.join('; ')}`);
    this.name = 'ValidationError';
  }
}

function describeType(type: avro.Type): string {
  const name = type.typeName;
  if (name === 'union:unwrapped' || name === 'union:wrapped') return (type as avro.types.UnwrappedUnionType).types.map(describeType).join(' or ');
  if (name === 'enum') return `one of ${(type as avro.types.EnumType).symbols.join(', ')}`;
  if (name === 'record' || name === 'error') return `a ${type.name?.split('.').pop()} object`;
  if (name === 'long' || name === 'int') return `an integer (${name})`;
  if (name === 'array') return 'an array';
  if (name === 'map') return 'an object of string keys';
  if (type.typeName === 'logical:timestamp-millis') return 'a timestamp in epoch milliseconds';
  return name;
}

/** A short JSON preview of a value; a value nested too deeply to print says so instead of throwing. */
export function preview(value: unknown, max = 60): string {
  try {
    return String(JSON.stringify(value)).slice(0, max);
  } catch {
    return Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested value';
  }
}

/** Every problem in `value` against `type`, each naming the field path and what was expected. */
export function validationProblems(type: avro.Type, value: unknown): string[] {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook(path: string[], got: unknown, expected: avro.Type) {
      const where = path.length ? path.join('.') : '(record)';
      const shown = got === undefined ? 'nothing' : preview(got);
      problems.push(`field "${where}": expected ${describeType(expected)}, got ${shown}`);
    },
  });
  return problems;
}

/**
 * Encodes and decodes values of Sluice's topics. Writer schemas are registered under the topic's
 * subject at start; readers resolve any schema id found on the wire against the contract's schema, so
 * records written by other Confluent-compatible producers (older or newer compatible versions) decode.
 */
export class AvroSerde {
  private readonly ids = new Map<TopicKey, number>();
  private readonly resolvers = new Map<string, { id: number; reader: avro.Type; writer: avro.Type; resolver: ReturnType<avro.Type['createResolver']> | null }>();
  /** Schema ids the registry knows but whose writer schema cannot be read as the topic's type, with why. */
  private readonly unreadable = new Map<string, string>();
  private readonly writers = new Map<number, Promise<avro.Type>>();
  readonly naming: Naming;
  private scratch = Buffer.allocUnsafe(16 * 1024);
  /** Per output topic and input topic: the output's remaining fields, when its first field is the input's type. */
  private readonly tails = new Map<string, { first: string; type: avro.Type } | null>();

  constructor(
    readonly registry: RegistryClient,
    prefix = '',
  ) {
    this.naming = naming(prefix);
  }

  static schemaOf(key: TopicKey): SchemaName {
    const schema = TOPICS[key].schema;
    if (!schema) throw new Error(`topic ${key} carries no Avro schema`);
    return schema;
  }

  typeOf(key: TopicKey): avro.Type {
    return loadSchemas().types[AvroSerde.schemaOf(key)];
  }

  /** Register the contract schema of each topic under its subject; refuses incompatible changes. */
  async register(keys: TopicKey[]): Promise<void> {
    const { canonical } = loadSchemas();
    for (const key of keys) {
      if (this.ids.has(key)) continue;
      const id = await this.registry.register(this.naming.subject(key), canonical[AvroSerde.schemaOf(key)]);
      this.ids.set(key, id);
    }
  }

  schemaId(key: TopicKey): number {
    const id = this.ids.get(key);
    if (id === undefined) throw new Error(`schema of topic ${key} is not registered; call register([${JSON.stringify(key)}]) first`);
    return id;
  }

  /**
   * Header and body are written straight into one scratch buffer that grows to the largest record seen,
   * then copied out once (toBuffer would encode a value over 1 KiB twice, and the header cost a third copy).
   */
  encode(key: TopicKey, value: unknown): Buffer {
    const type = this.typeOf(key);
    const id = this.schemaId(key);
    let end: number;
    try {
      end = type.encode(value, this.scratch, HEADER_BYTES);
      if (end < 0) {
        // Too small: -end more bytes are needed.
        this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
        end = type.encode(value, this.scratch, HEADER_BYTES);
      }
    } catch {
      throw new ValidationError(AvroSerde.schemaOf(key), validationProblems(type, value));
    }
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(id, 1);
    return out;
  }

  /**
   * Encode `value` for topic `key` reusing the bytes of the input it derives from. A record's Avro
   * binary is its fields' encodings one after another, so when the output's first field has the
   * input's type, `value`'s first field is the very object decoded from `from.raw`, and that input was
   * written with exactly the contract schema, the output is the input's body followed by the encoding of
   * the remaining fields: the input is not encoded again (EnrichedEvent embeds RawEvent, ScoredEvent
   * embeds EnrichedEvent). Anything else is encoded in full. Handlers never mutate a decoded input.
   */
  encodeDerived(key: TopicKey, value: unknown, from: { topicKey: TopicKey; raw: Buffer | null; value: unknown }): Buffer {
    const derived = this.tailType(key, from.topicKey);
    const raw = from.raw;
    if (!derived || !raw || raw.length < HEADER_BYTES || raw[0] !== MAGIC_BYTE || typeof value !== 'object' || value === null) return this.encode(key, value);
    if ((value as Record<string, unknown>)[derived.first] !== from.value) return this.encode(key, value);
    const tail = derived.type;
    const entry = this.resolvers.get(`${from.topicKey}:${raw.readUInt32BE(1)}`);
    if (!entry || entry.resolver) return this.encode(key, value);
    const id = this.schemaId(key);
    if (this.scratch.length < raw.length) this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, raw.length * 2));
    let end: number;
    try {
      end = tail.encode(value, this.scratch, raw.length);
      if (end < 0) {
        this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
        end = tail.encode(value, this.scratch, raw.length);
      }
    } catch {
      throw new ValidationError(AvroSerde.schemaOf(key), validationProblems(this.typeOf(key), value));
    }
    const out = Buffer.allocUnsafe(end);
    raw.copy(out, HEADER_BYTES, HEADER_BYTES);
    this.scratch.copy(out, raw.length, raw.length, end);
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(id, 1);
    return out;
  }

  private tailType(key: TopicKey, fromKey: TopicKey): { first: string; type: avro.Type } | null {
    const cacheKey = `${key}<${fromKey}`;
    let tail = this.tails.get(cacheKey);
    if (tail === undefined) {
      tail = null;
      const type = this.typeOf(key);
      const fromSchema = TOPICS[fromKey].schema;
      if (type.typeName === 'record' && fromSchema) {
        const fields = (type as avro.types.RecordType).fields;
        if (fields.length > 1 && fields[0].type.equals(this.typeOf(fromKey))) {
          const rest = fields.slice(1).map((f) => ({ name: f.name, type: f.type as unknown as avro.Schema }));
          tail = {
            first: fields[0].name,
            type: avro.Type.forSchema({ type: 'record', name: `${type.name ?? 'record'}Tail`, fields: rest } as avro.Schema, { wrapUnions: false }),
          };
        }
      }
      this.tails.set(cacheKey, tail);
    }
    return tail;
  }

  private writerType(id: number): Promise<avro.Type> {
    let p = this.writers.get(id);
    if (!p) {
      p = this.registry.schemaById(id).then((s) => avro.Type.forSchema(JSON.parse(s) as avro.Schema, { wrapUnions: false }));
      p.catch(() => this.writers.delete(id));
      this.writers.set(id, p);
    }
    return p;
  }

  /** Prepare resolvers for the schema ids in `buffers` so decodeSync can run without awaiting. */
  async prepare(key: TopicKey, buffers: Array<Buffer | null | undefined>): Promise<void> {
    const seen = new Set<number>();
    for (const b of buffers) {
      if (!b || b.length < HEADER_BYTES || b[0] !== MAGIC_BYTE) continue;
      const id = b.readUInt32BE(1);
      if (seen.has(id) || this.resolvers.has(`${key}:${id}`) || this.unreadable.has(`${key}:${id}`)) continue;
      seen.add(id);
      try {
        await this.resolverFor(key, id);
      } catch (err) {
        // Only the registry saying it does not know the id makes the record undecodable; an unreachable
        // or failing registry is transient, and the caller retries rather than dead-letter valid records.
        if (!(err instanceof RegistryError && err.status === 404)) throw err;
      }
    }
  }

  private async resolverFor(key: TopicKey, id: number) {
    const cacheKey = `${key}:${id}`;
    const hit = this.resolvers.get(cacheKey);
    if (hit) return hit;
    const reader = this.typeOf(key);
    const writer = await this.writerType(id);
    const same = writer.equals(reader);
    let resolver: ReturnType<avro.Type['createResolver']> | null = null;
    try {
      if (!same) resolver = reader.createResolver(writer);
    } catch (err) {
      // A schema of another record (or an incompatible change): the records are undecodable, not the
      // registry at fault. Schema ids are immutable, so the verdict is kept.
      this.unreadable.set(cacheKey, (err as Error).message);
      return undefined;
    }
    const entry = { id, reader, writer, resolver };
    this.resolvers.set(cacheKey, entry);
    return entry;
  }

  /** Decode a value whose writer schema was prepared; throws DecodeError naming what is wrong. */
  decodeSync<T>(key: TopicKey, buffer: Buffer | null | undefined): T {
    if (!buffer || buffer.length === 0) throw new DecodeError('value is empty (tombstone); expected a Confluent-framed Avro record');
    if (buffer.length < HEADER_BYTES || buffer[0] !== MAGIC_BYTE) {
      throw new DecodeError(`value does not start with the Confluent wire header (magic byte 0 and a 4-byte schema id); first byte is ${buffer[0]}`);
    }
    const id = buffer.readUInt32BE(1);
    const entry = this.resolvers.get(`${key}:${id}`);
    if (!entry) {
      const why = this.unreadable.get(`${key}:${id}`);
      if (why) throw new DecodeError(`writer schema id ${id} cannot be read as ${AvroSerde.schemaOf(key)}: ${why}`);
      throw new DecodeError(`schema id ${id} is unknown to the registry or cannot be read as ${AvroSerde.schemaOf(key)}`);
    }
    try {
      const body = buffer.subarray(HEADER_BYTES);
      return (entry.resolver ? entry.reader.fromBuffer(body, entry.resolver) : entry.reader.fromBuffer(body)) as T;
    } catch (err) {
      throw new DecodeError(`Avro body does not match schema id ${id} (${AvroSerde.schemaOf(key)}): ${(err as Error).message}`);
    }
  }

  async decode<T>(key: TopicKey, buffer: Buffer | null | undefined): Promise<T> {
    await this.prepare(key, [buffer]);
    return this.decodeSync<T>(key, buffer);
  }
}
