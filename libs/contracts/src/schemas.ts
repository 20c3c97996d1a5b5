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
  for (const name of LOAD_ORDER) {
    const json = readSchemaFile(name, dir);
    files[name] = json;
    types[name] = avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: false });
    canonical[name] = JSON.stringify(types[name].schema({ exportAttrs: true }));
  }
  const loaded = { types, canonical, files };
  if (dir === SCHEMA_DIR) cached = loaded;
  return loaded;
}

export function schemaType(name: SchemaName): avro.Type {
  return loadSchemas().types[name];
}
