import { randomUUID } from 'node:crypto';
import type { Logger } from '@sluice/runtime';
import type { ParsedSchema } from './avro';
import { checkCompatibility, isTransitive, type CompatibilityLevel } from './compatibility';
import { errors, RegistryError } from './errors';
import type { LogEntry, SchemaLog } from './log';
import { registryMetrics } from './metrics';
import { decodeRecord, encodeRecord, keyOf, type LogRecord } from './records';
import { RegistryState, type Outcome, type SchemaVersion } from './state';

export type VersionRef = number | 'latest';

export interface SubjectSchema {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

/**
 * The registry's operations. Reads answer from the in-memory state once the instance has caught up
 * with the log as it stood at startup; a read that would answer "not found" first catches up with the
 * current log end and tries again, so a schema registered through another instance a moment ago is
 * found (a serializer and a deserializer behind one load balancer rarely hit the same instance).
 * Writes first catch up with the current log end (so checks see every write acknowledged anywhere
 * before this request), append a proposal, wait until this instance has applied it, and answer with
 * what applying it did: the same thing every other instance did.
 */
export class RegistryService {
  private readonly state = new RegistryState();
  private readonly pending = new Map<string, (outcome: Outcome) => void>();
  private caughtUp = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly log: SchemaLog,
    private readonly logger: Logger,
    private readonly timeoutMs = 30_000,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  get isReady(): boolean {
    return this.caughtUp;
  }

  /** Applies one log entry; called by the log in offset order. */
  apply(entry: LogEntry): void {
    const record = decodeRecord(entry.key, entry.value);
    if (!record) {
      if (entry.value !== null) this.logger.warn({ offset: entry.offset, key: entry.key }, 'skipping an unreadable registry log entry');
      return;
    }
    const outcome = this.state.apply(record, entry.offset);
    if ('proposal' in record) this.pending.get(record.proposal)?.(outcome);
    // Counting subjects walks the state: not per record while replaying the whole log at startup.
    if (this.caughtUp) this.updateGauges(entry.offset + 1);
  }

  private updateGauges(position: number): void {
    registryMetrics.schemas.set(this.state.schemaCount);
    registryMetrics.subjects.set(this.state.subjectNames().length);
    registryMetrics.logPosition.set(position);
  }

  /** Resolves once the log as it stood when this was called has been applied. */
  async catchUpWithStartupLog(): Promise<void> {
    const end = await this.backend(() => this.log.endOffset());
    await this.log.waitFor(end, Number.POSITIVE_INFINITY);
    this.caughtUp = true;
    this.updateGauges(this.log.position);
    this.markReady();
  }

  async whenReady(): Promise<void> {
    if (this.caughtUp) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(errors.timeout('the registry is still reading its log')), this.timeoutMs);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- reads ----

  async subjects(includeDeleted: boolean): Promise<string[]> {
    return this.read(() => this.state.subjectNames(includeDeleted));
  }

  async versions(subject: string, includeDeleted: boolean): Promise<number[]> {
    return this.read(() => {
      const versions = this.state.versions(subject, includeDeleted);
      if (!versions.length) throw errors.subjectNotFound(subject);
      return versions.map((v) => v.version);
    });
  }

  async version(subject: string, version: VersionRef, includeDeleted: boolean): Promise<SubjectSchema> {
    return this.read(() => this.describe(this.findVersion(subject, version, includeDeleted)));
  }

  async schemaById(id: number): Promise<string> {
    return this.read(() => this.schemaOrThrow(id).canonical);
  }

  async usagesOf(id: number, includeDeleted: boolean): Promise<Array<{ subject: string; version: number }>> {
    return this.read(() => {
      this.schemaOrThrow(id);
      return this.state.usages(id, includeDeleted).map(({ subject, version }) => ({ subject, version }));
    });
  }

  async lookup(subject: string, schema: ParsedSchema, includeDeleted: boolean): Promise<SubjectSchema> {
    return this.read(() => {
      if (!this.state.versions(subject, true).length) throw errors.subjectNotFound(subject);
      const found = this.state.findInSubject(subject, schema.hash, includeDeleted);
      if (!found) throw errors.schemaNotFound();
      return this.describe(found);
    });
  }

  /**
   * Would `schema` be accepted after `version`? A given version is checked alone; "latest" or no
   * version checks what a registration would be checked against (all live versions when transitive).
   */
  async testCompatibility(subject: string, version: VersionRef | undefined, schema: ParsedSchema): Promise<{ level: CompatibilityLevel; checked: number[]; messages: string[] }> {
    return this.read(() => {
      const level = this.state.compatibility(subject);
      let priors = this.state.priors(subject);
      if (typeof version === 'number') priors = this.state.priors(subject, this.findVersion(subject, version, false));
      else if (version === 'latest' && !priors.length) throw errors.subjectNotFound(subject);
      const messages = checkCompatibility(schema.type, priors, level);
      const checked = level === 'NONE' ? [] : (isTransitive(level) ? priors : priors.slice(-1)).map((p) => p.version);
      return { level, checked, messages };
    });
  }

  async globalCompatibility(): Promise<CompatibilityLevel> {
    return this.read(() => this.state.globalCompatibility());
  }

  async subjectCompatibility(subject: string, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    return this.read(() => {
      const level = this.state.subjectCompatibility(subject);
      if (level) return level;
      if (defaultToGlobal) return this.state.globalCompatibility();
      throw errors.subjectLevelConfigNotFound(subject);
    });
  }

  // ---- writes ----

  async register(subject: string, schema: ParsedSchema): Promise<{ id: number }> {
    await this.catchUp();
    const existing = this.state.findInSubject(subject, schema.hash);
    if (existing) return { id: existing.id };
    const level = this.state.compatibility(subject);
    // Checked here to refuse without writing to the log; applying the proposal checks again, at its
    // position in the log, and that check is the one every instance agrees on.
    const messages = checkCompatibility(schema.type, this.state.priors(subject), level);
    if (messages.length) throw errors.incompatible(messages);

    const record: LogRecord = { op: 'register', subject, schema: schema.canonical, compatibility: level, proposal: randomUUID() };
    const outcome = await this.propose(record);
    if (outcome.kind !== 'registered') this.discard(record);
    switch (outcome.kind) {
      case 'registered':
      case 'exists':
        return { id: outcome.id };
      case 'incompatible':
        throw errors.incompatible(outcome.messages);
      case 'invalid':
        throw errors.invalidSchema(outcome.message);
      default:
        throw errors.backend(`unexpected outcome ${outcome.kind} of a registration`);
    }
  }

  async setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<CompatibilityLevel> {
    await this.propose({ op: 'config', subject, compatibility: level });
    return subject === null ? this.state.globalCompatibility() : this.state.compatibility(subject);
  }

  /** Removes the subject's own level (or resets the global one) and returns the level it had. */
  async deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    await this.catchUp();
    const previous = subject === null ? this.state.globalCompatibility() : this.state.subjectCompatibility(subject);
    if (!previous) throw errors.subjectLevelConfigNotFound(subject!);
    await this.propose({ op: 'config', subject, compatibility: null });
    return previous;
  }

  async deleteSubject(subject: string): Promise<number[]> {
    await this.catchUp();
    if (!this.state.versions(subject).length) throw errors.subjectNotFound(subject);
    const outcome = await this.propose({ op: 'delete-subject', subject, proposal: randomUUID() });
    if (outcome.kind !== 'deleted') throw errors.subjectNotFound(subject);
    return outcome.versions;
  }

  async deleteVersion(subject: string, version: VersionRef): Promise<number> {
    await this.catchUp();
    const found = this.findVersion(subject, version, false);
    const outcome = await this.propose({ op: 'delete-version', subject, version: found.version, proposal: randomUUID() });
    if (outcome.kind !== 'deleted') throw errors.versionNotFound(subject, version);
    return found.version;
  }

  // ---- internals ----

  /** Answers from memory; a "not found" is only given after catching up with the log end. */
  private async read<T>(answer: () => T): Promise<T> {
    await this.whenReady();
    try {
      return answer();
    } catch (err) {
      if (!(err instanceof RegistryError) || err.status !== 404) throw err;
      try {
        await this.catchUp();
      } catch {
        throw err; // cannot tell for sure; the local answer stands
      }
      return answer();
    }
  }

  private schemaOrThrow(id: number) {
    const schema = this.state.schema(id);
    if (!schema) throw errors.schemaNotFound(`Schema ${id} not found`);
    return schema;
  }

  private findVersion(subject: string, version: VersionRef, includeDeleted: boolean): SchemaVersion {
    if (!this.state.versions(subject, includeDeleted).length) throw errors.subjectNotFound(subject);
    const found = this.state.version(subject, version, includeDeleted);
    if (!found) throw errors.versionNotFound(subject, version);
    return found;
  }

  private describe(v: SchemaVersion): SubjectSchema {
    return { subject: v.subject, id: v.id, version: v.version, schema: this.state.schema(v.id)!.canonical };
  }

  /** Waits until everything in the log right now has been applied here. */
  private async catchUp(): Promise<void> {
    await this.whenReady();
    const end = await this.backend(() => this.log.endOffset());
    await this.log.waitFor(end, this.timeoutMs);
  }

  /** Appends a record and returns what applying it did, once this instance has applied it. */
  private async propose(record: LogRecord): Promise<Outcome> {
    const { key, value } = encodeRecord(record);
    let outcome: Outcome | undefined;
    const proposal = 'proposal' in record ? record.proposal : undefined;
    if (proposal) this.pending.set(proposal, (applied) => (outcome = applied));
    try {
      const offset = await this.backend(() => this.log.append(key, value));
      await this.log.waitFor(offset + 1, this.timeoutMs);
    } finally {
      if (proposal) this.pending.delete(proposal);
    }
    const applied = outcome ?? ({ kind: 'config' } as const);
    registryMetrics.proposals.inc({ op: record.op, outcome: applied.kind });
    return applied;
  }

  /** A proposal that changed nothing is tombstoned so compaction can drop it; best effort. */
  private discard(record: LogRecord): void {
    this.log.append(keyOf(record), null).catch((err: Error) => this.logger.warn({ err }, 'could not tombstone a no-op registry proposal'));
  }

  private async backend<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw errors.backend((err as Error).message);
    }
  }
}
