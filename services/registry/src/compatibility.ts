import type * as avro from 'avsc';

export const COMPATIBILITY_LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** Confluent accepts levels in any case. */
export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : undefined;
}

export const isTransitive = (level: CompatibilityLevel) => level.endsWith('_TRANSITIVE');
const checksBackward = (level: CompatibilityLevel) => level.startsWith('BACKWARD') || level.startsWith('FULL');
const checksForward = (level: CompatibilityLevel) => level.startsWith('FORWARD') || level.startsWith('FULL');

/** Why data written with one schema cannot be read with another, from the reader's point of view. */
export type Problem =
  /** The reader has a field the writer lacks, and no default to fill it with. */
  | { kind: 'missing-field'; record: string; field: string; fieldType: string }
  | { kind: 'type-changed'; location: string; readerType: string; writerType: string }
  /** The writer may write enum symbols the reader lacks, and the reader has no default symbol. */
  | { kind: 'missing-symbols'; enumName: string; symbols: string[] }
  | { kind: 'renamed'; what: string; readerName: string; writerName: string }
  | { kind: 'size-changed'; fixed: string; readerSize: number; writerSize: number }
  /** A branch the writer may write that no branch of the reader can read. */
  | { kind: 'union-branch'; location: string; branch: string; readerType: string; writerType: string }
  | { kind: 'other'; location: string; detail: string };

/** Which side of a check is the schema being registered, and how to name the other one. */
export interface Perspective {
  readerIsNew: boolean;
  /** The existing schema, e.g. "version 3". */
  other: string;
}

export interface PriorVersion {
  version: number;
  type: avro.Type;
}

/**
 * The messages explaining why `candidate` may not follow `priors` (ascending by version) under `level`;
 * empty when it may. Non-transitive levels check against the latest prior only.
 */
export function checkCompatibility(candidate: avro.Type, priors: PriorVersion[], level: CompatibilityLevel): string[] {
  if (level === 'NONE' || priors.length === 0) return [];
  const against = isTransitive(level) ? priors : priors.slice(-1);
  const messages: string[] = [];
  for (const prior of against) {
    const other = `version ${prior.version}`;
    if (checksBackward(level)) {
      for (const problem of findIncompatibilities(candidate, prior.type)) {
        messages.push(`${describeProblem(problem, { readerIsNew: true, other })}: a reader of the new schema cannot read data written with ${other}`);
      }
    }
    if (checksForward(level)) {
      for (const problem of findIncompatibilities(prior.type, candidate)) {
        messages.push(`${describeProblem(problem, { readerIsNew: false, other })}: a reader of ${other} cannot read data written with the new schema`);
      }
    }
  }
  return messages;
}

/**
 * Everything that stops `reader` from reading data written with `writer`. avsc's resolver is the
 * authority (no problems exactly when `reader.createResolver(writer)` succeeds); this walk only
 * explains its refusal, down to the offending field.
 */
export function findIncompatibilities(reader: avro.Type, writer: avro.Type): Problem[] {
  const problems: Problem[] = [];
  walk(reader, writer, 'the schema', problems, new Set());
  return problems;
}

export function describeProblem(problem: Problem, { readerIsNew, other }: Perspective): string {
  const oldToNew = <T>(readerSide: T, writerSide: T): [T, T] => (readerIsNew ? [writerSide, readerSide] : [readerSide, writerSide]);
  switch (problem.kind) {
    case 'missing-field':
      return readerIsNew
        ? `field "${problem.field}" (${problem.fieldType}) was added to record ${problem.record} without a default`
        : `field "${problem.field}" (${problem.fieldType}) was removed from record ${problem.record}, and ${other} declares it without a default`;
    case 'type-changed': {
      const [from, to] = oldToNew(problem.readerType, problem.writerType);
      return `${problem.location} changed type from ${from} to ${to} (${problem.writerType} cannot be read as ${problem.readerType})`;
    }
    case 'missing-symbols': {
      const symbols = problem.symbols.map((s) => JSON.stringify(s)).join(', ');
      return readerIsNew
        ? `enum ${problem.enumName} lost symbol(s) ${symbols} and has no default`
        : `enum ${problem.enumName} gained symbol(s) ${symbols}, which ${other} does not have and has no default for`;
    }
    case 'renamed': {
      const [from, to] = oldToNew(problem.readerName, problem.writerName);
      return `${problem.what} ${from} was renamed to ${to}, and ${readerIsNew ? 'the new schema' : other} has no alias ${problem.writerName}`;
    }
    case 'size-changed': {
      const [from, to] = oldToNew(problem.readerSize, problem.writerSize);
      return `fixed ${problem.fixed} changed size from ${from} to ${to}`;
    }
    case 'union-branch':
      return readerIsNew
        ? `${problem.location} no longer accepts ${problem.branch} (type changed from ${problem.writerType} to ${problem.readerType})`
        : `${problem.location} now accepts ${problem.branch} (type changed from ${problem.readerType} to ${problem.writerType}), which ${other} cannot read`;
    case 'other':
      return `${problem.location}: ${problem.detail}`;
  }
}

/** Returns whether the mismatch of this pair is explained (by a pushed problem or an enclosing frame). */
function walk(reader: avro.Type, writer: avro.Type, location: string, out: Problem[], seen: Set<string>): boolean {
  if (canRead(reader, writer)) return true;
  // Recursive records lead back to a pair already being explained further up.
  const pair = `${reader.name ?? reader.typeName}<-${writer.name ?? writer.typeName}`;
  if (reader.name && writer.name && seen.has(pair)) return true;
  seen.add(pair);

  const before = out.length;
  let explained = false;
  if (isUnion(writer)) {
    explained = true;
    for (const branch of branchesOf(writer)) {
      if (canRead(reader, branch)) continue;
      const counterpart = counterpartOf(reader, branch);
      if (counterpart) explained = walk(counterpart, branch, location, out, seen) && explained;
      else out.push({ kind: 'union-branch', location, branch: describeType(branch), readerType: describeType(reader), writerType: describeType(writer) });
    }
  } else if (isUnion(reader)) {
    const counterpart = counterpartOf(reader, writer);
    if (counterpart) explained = walk(counterpart, writer, location, out, seen);
    else out.push({ kind: 'type-changed', location, readerType: describeType(reader), writerType: describeType(writer) });
  } else if (reader.typeName !== writer.typeName) {
    out.push({ kind: 'type-changed', location, readerType: describeType(reader), writerType: describeType(writer) });
  } else {
    explained = walkSameKind(reader, writer, location, out, seen);
  }
  if (out.length > before || explained) return true;
  out.push({ kind: 'other', location, detail: resolverError(reader, writer) });
  return true;
}

function walkSameKind(reader: avro.Type, writer: avro.Type, location: string, out: Problem[], seen: Set<string>): boolean {
  if (reader.name && !namesMatch(reader, writer)) {
    out.push({ kind: 'renamed', what: reader.typeName, readerName: reader.name, writerName: writer.name ?? '' });
    return true;
  }
  switch (reader.typeName) {
    case 'record':
    case 'error': {
      let explained = true;
      const writerFields = (writer as avro.types.RecordType).fields;
      for (const field of (reader as avro.types.RecordType).fields) {
        const names = [field.name, ...aliasesOf(field)];
        const source = writerFields.find((f) => names.includes(f.name));
        if (source) {
          explained = walk(field.type, source.type, `field "${field.name}" of record ${reader.name}`, out, seen) && explained;
        } else if (field.defaultValue() === undefined) {
          out.push({ kind: 'missing-field', record: reader.name!, field: field.name, fieldType: describeType(field.type) });
        }
      }
      return explained;
    }
    case 'enum': {
      const known = new Set((reader as avro.types.EnumType).symbols);
      const missing = (writer as avro.types.EnumType).symbols.filter((s) => !known.has(s));
      if (missing.length && (reader as unknown as { default?: string }).default === undefined) {
        out.push({ kind: 'missing-symbols', enumName: reader.name!, symbols: missing });
      }
      return false;
    }
    case 'fixed': {
      const [readerSize, writerSize] = [(reader as avro.types.FixedType).size, (writer as avro.types.FixedType).size];
      if (readerSize !== writerSize) out.push({ kind: 'size-changed', fixed: reader.name!, readerSize, writerSize });
      return false;
    }
    case 'array':
      return walk((reader as avro.types.ArrayType).itemsType, (writer as avro.types.ArrayType).itemsType, `items of ${location}`, out, seen);
    case 'map':
      return walk((reader as avro.types.MapType).valuesType as avro.Type, (writer as avro.types.MapType).valuesType as avro.Type, `values of ${location}`, out, seen);
    default:
      return false;
  }
}

function canRead(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

function resolverError(reader: avro.Type, writer: avro.Type): string {
  try {
    reader.createResolver(writer);
    return 'incompatible';
  } catch (err) {
    return (err as Error).message;
  }
}

const isUnion = (type: avro.Type) => type.typeName.startsWith('union');
const branchesOf = (type: avro.Type): avro.Type[] => (type as avro.types.WrappedUnionType).types;

/** The reader type (or union branch) a writer type was presumably meant to be read as. */
function counterpartOf(reader: avro.Type, writer: avro.Type): avro.Type | undefined {
  const candidates = (isUnion(reader) ? branchesOf(reader) : [reader]).filter((t) => t.typeName === writer.typeName);
  if (!writer.name) return candidates[0];
  return candidates.find((t) => namesMatch(t, writer)) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** avsc's strict name resolution: the writer's full name must be the reader's name or an alias of it. */
function namesMatch(reader: avro.Type, writer: avro.Type): boolean {
  return !writer.name || reader.name === writer.name || (reader.aliases ?? []).includes(writer.name);
}

function aliasesOf(field: avro.types.Field): string[] {
  return (field as unknown as { aliases?: string[] }).aliases ?? [];
}

export function describeType(type: avro.Type): string {
  if (isUnion(type)) return `[${branchesOf(type).map(describeType).join(', ')}]`;
  if (type.typeName === 'array') return `array<${describeType((type as avro.types.ArrayType).itemsType)}>`;
  if (type.typeName === 'map') return `map<${describeType((type as avro.types.MapType).valuesType as avro.Type)}>`;
  return type.name ?? type.typeName;
}
