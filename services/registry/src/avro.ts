import { createHash } from 'node:crypto';
import * as avro from 'avsc';
import { errors } from './errors';

export interface ParsedSchema {
  /** Normalised JSON text: what is stored, hashed, compared and served. */
  canonical: string;
  /** sha256 of the canonical text. */
  hash: string;
  type: avro.Type;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/**
 * Every instance must judge schemas identically, so all parsing goes through here. Wrapped unions accept
 * every valid union (avsc's "auto" mode decides per schema); named types are required as in Avro Java.
 */
export function parseType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { noAnonymousTypes: true, wrapUnions: true });
}

/** Validates a schema as sent by a client and computes its canonical form. Throws 42201 when invalid. */
export function parseSchema(text: unknown): ParsedSchema {
  if (typeof text !== 'string' || text.trim() === '') throw errors.invalidSchema('the "schema" field must be a non-empty string of Avro schema JSON');
  let json: unknown;
  let type: avro.Type;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw errors.invalidSchema(`not valid JSON: ${(err as Error).message}`);
  }
  try {
    type = parseType(json);
  } catch (err) {
    throw errors.invalidSchema((err as Error).message);
  }
  const canonical = JSON.stringify(canonicalize(json));
  const reparsed = parseType(JSON.parse(canonical));
  // avsc's own export drops logicalType, enum defaults and custom attributes, so it cannot be the stored
  // form; it is still a good witness that normalising changed nothing avsc understands.
  if (JSON.stringify(reparsed.schema({ exportAttrs: true })) !== JSON.stringify(type.schema({ exportAttrs: true }))) {
    throw errors.invalidSchema('the schema could not be normalised without changing its meaning');
  }
  return { canonical, hash: hashOf(canonical), type: reparsed };
}

/** Rebuilds a parsed schema from a canonical text read back from the log. */
export function fromCanonical(canonical: string): ParsedSchema {
  return { canonical, hash: hashOf(canonical), type: parseType(JSON.parse(canonical)) };
}

export function hashOf(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Normalised JSON of a schema avsc accepted: names fully qualified (namespace attributes folded into
 * them, following avsc's resolution rules), primitives without attributes written as bare names, the
 * structural keys first (name, type, fields/symbols/size/items/values) and every other attribute
 * (doc, default, aliases, order, logicalType, custom properties) kept and sorted by key. Unlike Avro's
 * Parsing Canonical Form, defaults and logical types survive, because they decide compatibility and
 * decoding.
 */
export function canonicalize(schema: unknown, namespace?: string): unknown {
  if (typeof schema === 'string') return qualify(schema, namespace);
  if (Array.isArray(schema)) return schema.map((branch) => canonicalize(branch, namespace));
  if (!isObject(schema)) throw new Error(`not an Avro schema: ${JSON.stringify(schema)}`);

  const { type, ...attrs } = schema;
  if (typeof type !== 'string') throw new Error(`not an Avro schema: ${JSON.stringify(schema)}`);
  if (PRIMITIVES.has(type)) return Object.keys(attrs).length === 0 ? type : { type, ...sortedAttributes(attrs) };
  if (type === 'array') {
    const { items, ...rest } = attrs;
    return { type, items: canonicalize(items, namespace), ...sortedAttributes(rest) };
  }
  if (type === 'map') {
    const { values, ...rest } = attrs;
    return { type, values: canonicalize(values, namespace), ...sortedAttributes(rest) };
  }
  if (!NAMED.has(type)) throw new Error(`unknown Avro type ${JSON.stringify(type)}`);

  const { name, namespace: ownNamespace, aliases, fields, symbols, size, ...rest } = attrs;
  const declared = ownNamespace !== undefined ? ((ownNamespace as string | null) ?? undefined) : namespace;
  const fullName = qualify(String(name), declared);
  // avsc scopes a record's children (and its aliases) in its namespace attribute if present, else in the
  // namespace its name implies, else the enclosing one; enum and fixed aliases use the declared namespace.
  const inner = type === 'record' || type === 'error' ? (ownNamespace !== undefined ? declared : (impliedNamespace(String(name)) ?? namespace)) : declared;
  const out: Record<string, unknown> = { name: fullName, type };
  if (type === 'record' || type === 'error') out.fields = (fields as unknown[]).map((field) => canonicalField(field, inner));
  if (type === 'enum') out.symbols = symbols;
  if (type === 'fixed') out.size = size;
  if (Array.isArray(aliases)) rest.aliases = aliases.map((alias) => qualify(String(alias), inner));
  return { ...out, ...sortedAttributes(rest) };
}

function canonicalField(field: unknown, namespace: string | undefined): unknown {
  if (!isObject(field)) throw new Error(`not an Avro field: ${JSON.stringify(field)}`);
  const { name, type, ...rest } = field;
  return { name, type: canonicalize(type, namespace), ...sortedAttributes(rest) };
}

/** avsc's maybeQualify: primitives stay global, dotted names are absolute, others join the namespace. */
function qualify(name: string, namespace: string | undefined): string {
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (PRIMITIVES.has(last)) return last;
  if (name.includes('.')) return name.replace(/^\./, '');
  return namespace ? `${namespace}.${name}` : name;
}

function impliedNamespace(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

function sortedAttributes(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attrs).sort()) out[key] = sortKeysDeep(attrs[key]);
  return out;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
