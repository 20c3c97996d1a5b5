import { parseSchema } from './avro';
import type { CompatibilityLevel } from './compatibility';
import { decodeRecord, encodeRecord, keyOf, type LogRecord } from './records';
import { RegistryState } from './state';

const schema = (fields: object[]) => parseSchema(JSON.stringify({ type: 'record', name: 'Foo', namespace: 'dev.sluice.events', fields })).canonical;
const v1 = schema([{ name: 'a', type: 'int' }]);
const v2 = schema([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: '' }]);
const breaking = schema([{ name: 'a', type: 'int' }, { name: 'c', type: 'double' }]);

let proposals = 0;
const register = (subject: string, canonical: string, compatibility: CompatibilityLevel = 'BACKWARD'): LogRecord => ({
  op: 'register',
  subject,
  schema: canonical,
  compatibility,
  proposal: `p${++proposals}`,
});

/** A topic as the state machine sees it: entries with offsets, keys and (possibly null) values. */
type Entry = { offset: number; key: string; value: string | null };

function replay(entries: Entry[]) {
  const state = new RegistryState();
  const outcomes = entries.map((e) => {
    const record = decodeRecord(e.key, e.value);
    return record ? state.apply(record, e.offset) : undefined;
  });
  return { state, outcomes };
}

function snapshot(state: RegistryState) {
  return {
    subjects: state.subjectNames(true).map((s) => ({ s, versions: state.versions(s, true), level: state.subjectCompatibility(s) })),
    global: state.globalCompatibility(),
    schemas: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((id) => state.schema(id)?.canonical),
  };
}

/** What Kafka's log cleaner may leave: the last entry per key, and eventually no tombstones. */
function compact(entries: Entry[]): Entry[] {
  const last = new Map<string, number>();
  for (const e of entries) last.set(e.key, e.offset);
  return entries.filter((e) => last.get(e.key) === e.offset && e.value !== null);
}

describe('RegistryState', () => {
  it('gives a schema the offset of its first registration as id, shared across subjects', () => {
    const state = new RegistryState();
    expect(state.apply(register('a-value', v1), 0)).toEqual({ kind: 'registered', id: 1, version: 1 });
    expect(state.apply(register('a-value', v1), 1)).toEqual({ kind: 'exists', id: 1, version: 1 });
    expect(state.apply(register('b-value', v1), 2)).toEqual({ kind: 'registered', id: 1, version: 1 });
    expect(state.apply(register('a-value', v2), 3)).toEqual({ kind: 'registered', id: 4, version: 2 });
    expect(state.usages(1).map((u) => u.subject)).toEqual(['a-value', 'b-value']);
  });

  it('judges a registration at its position in the log, under the level it carries', () => {
    const state = new RegistryState();
    state.apply(register('a-value', v1), 0);
    const refused = state.apply(register('a-value', breaking), 1);
    expect(refused).toMatchObject({ kind: 'incompatible' });
    expect((refused as { messages: string[] }).messages[0]).toContain('field "c" (double) was added to record dev.sluice.events.Foo without a default');
    expect(state.apply(register('a-value', breaking, 'NONE'), 2)).toEqual({ kind: 'registered', id: 3, version: 2 });
  });

  it('soft-deletes versions and keeps numbering past them', () => {
    const state = new RegistryState();
    state.apply(register('a-value', v1), 0);
    state.apply(register('a-value', v2), 1);
    expect(state.apply({ op: 'delete-version', subject: 'a-value', version: 2, proposal: 'd1' }, 2)).toEqual({ kind: 'deleted', versions: [2] });
    expect(state.versions('a-value').map((v) => v.version)).toEqual([1]);
    expect(state.apply({ op: 'delete-subject', subject: 'a-value', proposal: 'd2' }, 3)).toEqual({ kind: 'deleted', versions: [1] });
    expect(state.subjectNames()).toEqual([]);
    expect(state.schema(2)?.canonical).toBe(v2);
    expect(state.apply(register('a-value', v2), 4)).toEqual({ kind: 'registered', id: 2, version: 3 });
  });

  it('rebuilds the same state from a compacted log', () => {
    const records: Array<LogRecord | { tombstoneOf: LogRecord }> = [];
    const push = (r: LogRecord) => (records.push(r), r);
    push({ op: 'config', subject: 'a-value', compatibility: 'NONE' });
    push(register('a-value', v1, 'NONE'));
    const loser = push(register('a-value', v1, 'NONE')); // a racing duplicate, tombstoned by its proposer
    records.push({ tombstoneOf: loser });
    push(register('a-value', breaking, 'NONE')); // accepted because the subject was NONE back then
    push({ op: 'config', subject: 'a-value', compatibility: 'FULL' }); // supersedes the first config record
    push({ op: 'config', subject: null, compatibility: 'FORWARD' });
    push({ op: 'config', subject: 'b-value', compatibility: 'NONE' });
    push({ op: 'config', subject: 'b-value', compatibility: null }); // deleted again: a tombstone
    push(register('b-value', breaking, 'FORWARD'));
    push({ op: 'delete-version', subject: 'a-value', version: 1, proposal: 'd1' });
    push(register('a-value', v2, 'BACKWARD'));

    const entries: Entry[] = records.map((r, offset) =>
      'tombstoneOf' in r ? { offset, key: keyOf(r.tombstoneOf), value: null } : { offset, ...encodeRecord(r) },
    );
    const full = replay(entries);
    const compacted = replay(compact(entries));
    expect(compact(entries).length).toBeLessThan(entries.length);
    expect(snapshot(compacted.state)).toEqual(snapshot(full.state));
    expect(full.state.versions('a-value', true).map((v) => [v.version, v.id, v.deleted])).toEqual([
      [1, 2, true],
      [2, 5, false],
      [3, 12, false],
    ]);
  });

  it('ignores unreadable entries and tombstones of proposals', () => {
    expect(decodeRecord('["register","a","p"]', null)).toBeUndefined();
    expect(decodeRecord('garbage', '{"op":"explode"}')).toBeUndefined();
    expect(decodeRecord('["config","a"]', null)).toEqual({ op: 'config', subject: 'a', compatibility: null });
    expect(decodeRecord('["config"]', null)).toEqual({ op: 'config', subject: null, compatibility: null });
  });
});
