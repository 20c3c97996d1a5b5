import * as fs from 'node:fs';
import * as path from 'node:path';
import * as avro from 'avsc';
import type { SchemaName } from './topics';

/** schemas/ at the repository root is the single source of truth for the wire. */
export const SCHEMA_DIR = process.env.SLUICE_SCHEMA_DIR ?? path.resolve(__dirname, '../../../schemas');

// Named types referenced across files must be parsed after the files that define them.
const LOAD_ORDER: SchemaName[] = ['RawEvent', 'EnrichedEvent', 'ScoredEvent', 'Alert', 'DeadLetter', 'Confirmation', 'ControlCommand'];

export interface LoadedSchemas {
  types: Record<SchemaName, avro.Type>;
  /** Fully expanded JSON schema text (no references), as registered in the registry. */
  canonical: Record<SchemaName, string>;
  files: Record<SchemaName, unknown>;
}

let cached: LoadedSchemas | undefined;

export function readSchemaFile(name: SchemaName, dir = SCHEMA_DIR): unknown {
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.avsc`), 'utf8'));
}

export function loadSchemas(dir = SCHEMA_DIR): LoadedSchemas {
  if (cached && dir === SCHEMA_DIR) return cached;
  const registry: Record<string, avro.Type> = {};
  const types = {} as Record<SchemaName, avro.Type>;
  const canonical = {} as Record<SchemaName, string>;
  const files = {} as Record<SchemaName, unknown>;
  const byFullName = new Map<string, unknown>();
  for (const name of LOAD_ORDER) {
    const json = readSchemaFile(name, dir);
    files[name] = json;
    types[name] = avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: false });
    const o = json as { name: string; namespace?: string };
    byFullName.set(o.name.includes('.') ? o.name : `${o.namespace}.${o.name}`, json);
    // Registered as written (logical types, docs and defaults kept), with references to records of other
    // files replaced by their definitions, so a stock Confluent client needs no schema references.
    canonical[name] = JSON.stringify(expandReferences(json, byFullName, new Set()));
  }
  const loaded = { types, canonical, files };
  if (dir === SCHEMA_DIR) cached = loaded;
  return loaded;
}

export function schemaType(name: SchemaName): avro.Type {
  return loadSchemas().types[name];
}

/** Inline the first use of each named type defined in another schema file; later uses stay names. */
function expandReferences(node: unknown, known: Map<string, unknown>, defined: Set<string>, namespace = ''): unknown {
  if (typeof node === 'string') {
    const full = node.includes('.') ? node : namespace ? `${namespace}.${node}` : node;
    const def = known.get(full);
    if (def !== undefined && !defined.has(full)) return expandReferences(def, known, defined, namespace);
    return node;
  }
  if (Array.isArray(node)) return node.map((n) => expandReferences(n, known, defined, namespace));
  if (!node || typeof node !== 'object') return node;
  const o = { ...(node as Record<string, unknown>) };
  let ns = namespace;
  if ((o.type === 'record' || o.type === 'enum' || o.type === 'fixed') && typeof o.name === 'string') {
    ns = o.name.includes('.') ? o.name.slice(0, o.name.lastIndexOf('.')) : typeof o.namespace === 'string' ? o.namespace : namespace;
    defined.add(o.name.includes('.') ? o.name : `${ns}.${o.name}`);
  }
  if (o.type === 'record' && Array.isArray(o.fields)) {
    o.fields = (o.fields as Array<Record<string, unknown>>).map((f) => ({ ...f, type: expandReferences(f.type, known, defined, ns) }));
  } else if (o.type === 'array') o.items = expandReferences(o.items, known, defined, ns);
  else if (o.type === 'map') o.values = expandReferences(o.values, known, defined, ns);
  else if (typeof o.type === 'object' || (typeof o.type === 'string' && known.has(o.type))) o.type = expandReferences(o.type, known, defined, ns);
  return o;
}
