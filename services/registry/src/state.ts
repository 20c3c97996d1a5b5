import type * as avro from 'avsc';
import { fromCanonical, hashOf } from './avro';
import { checkCompatibility, DEFAULT_COMPATIBILITY, type CompatibilityLevel, type PriorVersion } from './compatibility';
import type { LogRecord } from './records';

export interface StoredSchema {
  id: number;
  canonical: string;
  hash: string;
}

export interface SchemaVersion {
  subject: string;
  version: number;
  id: number;
  deleted: boolean;
}

/** What applying one record did; the proposing instance answers its client from this. */
export type Outcome =
  | { kind: 'registered'; id: number; version: number }
  | { kind: 'exists'; id: number; version: number }
  | { kind: 'incompatible'; messages: string[] }
  | { kind: 'invalid'; message: string }
  | { kind: 'deleted'; versions: number[] }
  | { kind: 'config' }
  | { kind: 'no-op' };

/**
 * The registry's whole state, a pure function of the records applied so far. Every instance applies the
 * same records in the same (log) order with these rules, so all of them agree without talking to each
 * other; nothing here may depend on the clock, the instance, or anything outside the record and the
 * state. In particular a schema's global id is the offset (+1, ids start at 1) of the first registration
 * that introduced its canonical form, and a registration is checked against the subject's versions at
 * its own position in the log, under the level it carries.
 */
export class RegistryState {
  private readonly schemas = new Map<number, StoredSchema>();
  private readonly idsByHash = new Map<string, number>();
  private readonly types = new Map<number, avro.Type>();
  private readonly subjects = new Map<string, SchemaVersion[]>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel | undefined;

  apply(record: LogRecord, offset: number): Outcome {
    switch (record.op) {
      case 'register':
        return this.register(record.subject, record.schema, record.compatibility, offset);
      case 'config':
        if (record.subject === null) this.globalLevel = record.compatibility ?? undefined;
        else if (record.compatibility === null) this.subjectLevels.delete(record.subject);
        else this.subjectLevels.set(record.subject, record.compatibility);
        return { kind: 'config' };
      case 'delete-version': {
        const entry = this.version(record.subject, record.version);
        if (!entry) return { kind: 'no-op' };
        entry.deleted = true;
        return { kind: 'deleted', versions: [entry.version] };
      }
      case 'delete-subject': {
        const alive = this.versions(record.subject);
        for (const entry of alive) entry.deleted = true;
        return alive.length ? { kind: 'deleted', versions: alive.map((v) => v.version) } : { kind: 'no-op' };
      }
    }
  }

  private register(subject: string, canonical: string, level: CompatibilityLevel, offset: number): Outcome {
    const hash = hashOf(canonical);
    const existing = this.findInSubject(subject, hash);
    if (existing) return { kind: 'exists', id: existing.id, version: existing.version };

    let id = this.idsByHash.get(hash);
    let type: avro.Type;
    try {
      type = id === undefined ? fromCanonical(canonical).type : this.typeOf(id);
    } catch (err) {
      return { kind: 'invalid', message: (err as Error).message };
    }
    const messages = checkCompatibility(type, this.priors(subject), level);
    if (messages.length) return { kind: 'incompatible', messages };

    if (id === undefined) {
      id = offset + 1;
      this.schemas.set(id, { id, canonical, hash });
      this.idsByHash.set(hash, id);
      this.types.set(id, type);
    }
    const all = this.subjects.get(subject) ?? [];
    // Numbering continues past soft-deleted versions, as in Confluent.
    const version = (all.at(-1)?.version ?? 0) + 1;
    all.push({ subject, version, id, deleted: false });
    this.subjects.set(subject, all);
    return { kind: 'registered', id, version };
  }

  schema(id: number): StoredSchema | undefined {
    return this.schemas.get(id);
  }

  idOf(hash: string): number | undefined {
    return this.idsByHash.get(hash);
  }

  typeOf(id: number): avro.Type {
    let type = this.types.get(id);
    if (!type) {
      type = fromCanonical(this.schemas.get(id)!.canonical).type;
      this.types.set(id, type);
    }
    return type;
  }

  /** Subjects with at least one visible version, sorted. */
  subjectNames(includeDeleted = false): string[] {
    return [...this.subjects.keys()].filter((s) => this.versions(s, includeDeleted).length > 0).sort();
  }

  /** A subject's versions in ascending order. */
  versions(subject: string, includeDeleted = false): SchemaVersion[] {
    return (this.subjects.get(subject) ?? []).filter((v) => includeDeleted || !v.deleted);
  }

  version(subject: string, version: number | 'latest', includeDeleted = false): SchemaVersion | undefined {
    const versions = this.versions(subject, includeDeleted);
    return version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === version);
  }

  findInSubject(subject: string, hash: string, includeDeleted = false): SchemaVersion | undefined {
    const id = this.idsByHash.get(hash);
    return id === undefined ? undefined : this.versions(subject, includeDeleted).find((v) => v.id === id);
  }

  /** Every subject version that uses a schema id. */
  usages(id: number, includeDeleted = false): SchemaVersion[] {
    const out: SchemaVersion[] = [];
    for (const subject of [...this.subjects.keys()].sort()) out.push(...this.versions(subject, includeDeleted).filter((v) => v.id === id));
    return out;
  }

  /** The subject's live versions with their parsed types, for compatibility checks. */
  priors(subject: string, only?: SchemaVersion): PriorVersion[] {
    return (only ? [only] : this.versions(subject)).map((v) => ({ version: v.version, type: this.typeOf(v.id) }));
  }

  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.subjectLevels.get(subject);
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel ?? DEFAULT_COMPATIBILITY;
  }

  compatibility(subject: string): CompatibilityLevel {
    return this.subjectLevels.get(subject) ?? this.globalCompatibility();
  }

  get schemaCount(): number {
    return this.schemas.size;
  }
}
