import type * as avro from 'avsc';
import { schemaType, type RawEvent } from '@sluice/contracts';
import { validationProblems } from '@sluice/runtime';
import { ISO_DATE_TIME, SET_BY_INGEST, STRING_RULES, TIMESTAMP_EXPECTED, TIMESTAMP_FIELDS, checkString, type StringRule } from './rules';
import { DEFAULT_EVENT_TIME_WINDOW, eventTimeProblem, ulidFactory, type EventTimeWindow } from '@sluice/contracts';

export type EventCheck = { ok: true; event: RawEvent } | { ok: false; reasons: string[] };

/** Who sent the events of one request, and when ingest received them. */
export interface Stamp {
  producer: string;
  receivedAt: number;
}

type UndeclaredWalker = (value: unknown, where: string, out: string[]) => void;

/**
 * Turns one event as a producer sent it into a RawEvent, or into field-named reasons why not. The Avro
 * schema decides what is valid (validationProblems); rules.ts adds what the schema cannot say. The input
 * object is completed in place (id, receivedAt, producer, occurredAt as epoch ms): it was parsed for this
 * request alone, and copying it would cost an allocation per event on the hot path.
 */
export class EventValidator {
  private readonly type: avro.Type;
  private readonly undeclared: UndeclaredWalker;
  private readonly stringRules: Array<{ path: string; steps: string[]; rule: StringRule }>;
  private readonly scratch: string[] = [];

  private readonly newId: () => string;
  private readonly window: EventTimeWindow;

  /**
   * `window`: how old or how far ahead occurredAt may be, against the time ingest received the event.
   * The default is enrich's default window; an event outside it is refused here with the reason instead of
   * being acknowledged and then dead-lettered. `newId` makes the ids of events that come without one
   * (sortable ULIDs by default); `type` is the RawEvent schema.
   */
  constructor(options: { newId?: () => string; type?: avro.Type; window?: EventTimeWindow } = {}) {
    this.newId = options.newId ?? ulidFactory();
    this.type = options.type ?? schemaType('RawEvent');
    this.window = options.window ?? DEFAULT_EVENT_TIME_WINDOW;
    this.undeclared = compileUndeclared(this.type, new Set(Object.keys(SET_BY_INGEST))) ?? (() => undefined);
    this.stringRules = Object.entries(STRING_RULES).map(([path, rule]) => ({ path, steps: path.split('.'), rule }));
  }

  /**
   * `index`: the event's position in a batch, which prefixes every reason's field path ("events[3].…");
   * undefined for a single event. Problems are gathered in a scratch list with paths relative to the
   * event and only prefixed when there are any, so a valid event costs no allocation here.
   */
  check(input: unknown, index: number | undefined, stamp: Stamp): EventCheck {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, reasons: [`${index === undefined ? 'event' : `events[${index}]`}: expected a RawEvent object, got ${show(input)}`] };
    }
    const e = input as Record<string, unknown>;
    const problems = this.scratch;
    problems.length = 0;
    for (const field in SET_BY_INGEST) {
      if (e[field] !== undefined) problems.push(`${field}: is ${SET_BY_INGEST[field]}; leave it out`);
    }
    this.undeclared(e, '', problems);
    let badTimestamp: string | undefined;
    for (const field of TIMESTAMP_FIELDS) {
      const v = e[field];
      if (typeof v !== 'string') continue;
      const ms = ISO_DATE_TIME.test(v) ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) {
        problems.push(`${field}: expected ${TIMESTAMP_EXPECTED}, got ${show(v)}`);
        badTimestamp = field;
      } else e[field] = ms;
    }
    const occurredAt = e.occurredAt;
    if (typeof occurredAt === 'number' && Number.isSafeInteger(occurredAt) && occurredAt > 0) {
      const problem = eventTimeProblem(occurredAt, stamp.receivedAt, this.window, INGEST_WORDING);
      if (problem) problems.push(`occurredAt: ${problem}`);
    }
    if (e.id === undefined) e.id = this.newId();
    e.receivedAt = stamp.receivedAt;
    e.producer = stamp.producer;

    if (!this.type.isValid(e)) {
      for (const problem of validationProblems(this.type, e)) {
        const m = /^field "([^"]*)": (.*)$/s.exec(problem);
        if (!m) problems.push(`: ${problem}`);
        else if (m[1] !== badTimestamp) problems.push(`${m[1]}: ${m[2]}`);
      }
    }
    for (const { path, steps, rule } of this.stringRules) {
      const v = steps.length === 1 ? e[steps[0]] : dig(e, steps);
      if (typeof v === 'string' && !checkString(rule, v)) problems.push(`${path}: expected ${rule.expected}, got ${show(v)}`);
    }
    for (const path of COUNT_FIELDS) {
      const v = dig(e, path.split('.'));
      if (typeof v === 'number' && v < 0) problems.push(`${path}: expected a count of 0 or more, got ${v}`);
    }
    if (problems.length === 0) return { ok: true, event: e as unknown as RawEvent };
    const where = index === undefined ? '' : `events[${index}]`;
    // A problem starting with ":" concerns the event as a whole.
    const reasons = problems.map((p) => (p.startsWith(':') ? `${where || 'event'}${p}` : where ? `${where}.${p}` : p));
    return { ok: false, reasons };
  }
}

const INGEST_WORDING = { reference: 'the time ingest received it', ageVariable: 'INGEST_MAX_AGE_MS', skewVariable: 'INGEST_MAX_SKEW_MS' };

const COUNT_FIELDS = ['author.followers', 'engagement.likes', 'engagement.shares', 'engagement.comments', 'engagement.views'];

/** Kafka key of a raw event: one author's events on one platform stay in order in one partition. */
export function eventKey(event: RawEvent): string {
  return `${event.source}:${event.author.id}`;
}

function at(where: string, path: string): string {
  return where ? `${where}.${path}` : path;
}

function dig(value: Record<string, unknown>, steps: string[]): unknown {
  let v: unknown = value;
  for (const s of steps) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string' && v.length > 40) return `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)`;
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    return 'a value nested too deeply to show';
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * From the schema: a walker that reports object keys no record declares (a misspelt optional field
 * would otherwise be dropped silently by the Avro encoder).
 */
function compileUndeclared(type: avro.Type, notInput: Set<string> = new Set()): UndeclaredWalker | null {
  const name = type.typeName;
  if (name === 'record') {
    const record = type as avro.types.RecordType;
    // Fields ingest sets count as declared (they get their own reason) but are not offered to the producer.
    const declared = new Set(record.fields.map((f) => f.name));
    const listed = record.fields
      .map((f) => f.name)
      .filter((f) => !notInput.has(f))
      .join(', ');
    const children: Array<[string, UndeclaredWalker]> = [];
    for (const f of record.fields) {
      const w = compileUndeclared(f.type);
      if (w) children.push([f.name, w]);
    }
    const recordName = record.name?.split('.').pop() ?? 'record';
    return (value, where, out) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const key in value) {
        if (!declared.has(key)) out.push(`${at(where, key)}: is not a field of ${recordName} (its fields are ${listed})`);
      }
      for (const [field, walk] of children) {
        const v = (value as Record<string, unknown>)[field];
        if (v !== undefined && v !== null) walk(v, at(where, field), out);
      }
    };
  }
  if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const branches = (type as avro.types.UnwrappedUnionType).types.map((t) => compileUndeclared(t)).filter((w): w is UndeclaredWalker => w !== null);
    // Sluice's unions are [null, X]: at most one branch has fields.
    return branches.length === 1 ? branches[0] : null;
  }
  if (name === 'map' || name === 'array') {
    const inner = compileUndeclared(name === 'map' ? (type as avro.types.MapType).valuesType : (type as avro.types.ArrayType).itemsType);
    if (!inner) return null;
    return (value, where, out) => {
      if (value === null || typeof value !== 'object') return;
      for (const key in value) inner((value as Record<string, unknown>)[key], name === 'map' ? at(where, key) : `${where}[${key}]`, out);
    };
  }
  return null;
}
