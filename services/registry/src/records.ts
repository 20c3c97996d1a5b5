import { z } from 'zod';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './compatibility';

/**
 * What the registry topic holds. Every write request becomes one of these records, and every instance
 * applies them in log order (see state.ts).
 *
 * Keys decide what compaction may drop, so they follow one rule: a key is reused only by records that
 * supersede every earlier record with that key *at every point of the log where it matters*. Config is
 * the only such state (last write wins, and registrations carry the level they were checked under, so
 * replay never needs an old config). Registrations and deletes change what later records are judged
 * against, so each gets a key of its own and survives compaction; a registration that turned out to be
 * a no-op is tombstoned by its proposer so compaction can drop it.
 */
export type LogRecord =
  | {
      op: 'register';
      subject: string;
      /** Canonical schema text (avro.ts). */
      schema: string;
      /** The level the proposer resolved for the subject; replay must not depend on compacted config. */
      compatibility: CompatibilityLevel;
      proposal: string;
    }
  /** A null level removes the subject's (or the global) setting; it travels as a tombstone. */
  | { op: 'config'; subject: string | null; compatibility: CompatibilityLevel | null }
  | { op: 'delete-version'; subject: string; version: number; proposal: string }
  | { op: 'delete-subject'; subject: string; proposal: string };

export interface EncodedRecord {
  key: string;
  value: string | null;
}

export function keyOf(record: LogRecord): string {
  switch (record.op) {
    case 'register':
      return JSON.stringify(['register', record.subject, record.proposal]);
    case 'config':
      return JSON.stringify(record.subject === null ? ['config'] : ['config', record.subject]);
    case 'delete-version':
      return JSON.stringify(['delete-version', record.subject, record.version, record.proposal]);
    case 'delete-subject':
      return JSON.stringify(['delete-subject', record.subject, record.proposal]);
  }
}

export function encodeRecord(record: LogRecord): EncodedRecord {
  const key = keyOf(record);
  if (record.op === 'config' && record.compatibility === null) return { key, value: null };
  return { key, value: JSON.stringify(record) };
}

const level = z.enum(COMPATIBILITY_LEVELS);
const valueSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('register'), subject: z.string(), schema: z.string(), compatibility: level, proposal: z.string() }),
  z.object({ op: z.literal('config'), subject: z.string().nullable(), compatibility: level }),
  z.object({ op: z.literal('delete-version'), subject: z.string(), version: z.number().int().positive(), proposal: z.string() }),
  z.object({ op: z.literal('delete-subject'), subject: z.string(), proposal: z.string() }),
]);
const configKey = z.union([z.tuple([z.literal('config')]), z.tuple([z.literal('config'), z.string()])]);

/**
 * The record a log entry carries, or undefined for entries that change nothing: tombstones of no-op
 * proposals, and anything unreadable (skipped identically by every instance rather than wedging them).
 */
export function decodeRecord(key: string | null, value: string | null): LogRecord | undefined {
  try {
    if (value === null) {
      const parsed = configKey.safeParse(JSON.parse(key ?? 'null'));
      return parsed.success ? { op: 'config', subject: parsed.data[1] ?? null, compatibility: null } : undefined;
    }
    const parsed = valueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
