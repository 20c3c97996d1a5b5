import { URLSearchParams } from 'node:url';
import { ConfirmationLog, parseResume, type ConfirmationEntry } from '.';

let offsets = new Map<number, number>();
function entry(partition: number, producer: string | null, ids: string[], timestamp: number): ConfirmationEntry {
  const offset = offsets.get(partition) ?? 0;
  offsets.set(partition, offset + 1);
  return { partition, offset, timestamp, producer, eventIds: ids, stage: 'persisted', committedAt: timestamp - 5 };
}

describe('confirmation log', () => {
  beforeEach(() => (offsets = new Map()));

  test("a producer's replay holds only its own confirmations, from a cursor or a time", () => {
    const log = new ConfirmationLog({ retainMs: 60_000, maxEventIds: 1000 });
    log.start(new Map([[0, 0], [1, 0]]), 0);
    const a1 = entry(0, 'acme', ['a1', 'a2'], 1000);
    const b1 = entry(1, 'beta', ['b1'], 1100);
    const a2 = entry(0, 'acme', ['a3'], 1200);
    const n1 = entry(1, null, ['direct'], 1300);
    for (const e of [a1, b1, a2, n1]) log.append(e);
    expect(log.positions).toEqual(new Map([[0, 2], [1, 2]]));
    expect(log.replay('acme', { cursor: new Map([[0, 0], [1, 0]]) }).entries).toEqual([a1, a2]);
    expect(log.replay('acme', { cursor: new Map([[0, 1], [1, 2]]) }).entries).toEqual([a2]);
    expect(log.replay('beta', { since: 1100 }).entries).toEqual([b1]);
    expect(log.replay('beta', { since: 1101 }).entries).toEqual([]);
    expect(log.replay('acme', null)).toEqual({ entries: [], gaps: [] });
    expect(log.replay('nobody', { since: 0 }).entries).toEqual([]);
    expect(log.replay('acme', { since: 0 }).gaps).toEqual([]);
  });

  test('bounded by event ids and by age; a resume point before what is held is reported as a gap', () => {
    const log = new ConfirmationLog({ retainMs: 10_000, maxEventIds: 4 });
    log.start(new Map([[0, 0]]), 500);
    const es = [entry(0, 'acme', ['1', '2'], 1000), entry(0, 'acme', ['3'], 2000), entry(0, 'acme', ['4', '5'], 3000)];
    for (const e of es) log.append(e);
    // 5 ids > 4: the oldest entry went.
    expect(log.size).toBe(2);
    expect(log.eventIds).toBe(3);
    const fromStart = log.replay('acme', { cursor: new Map([[0, 0]]) });
    expect(fromStart.entries).toEqual(es.slice(1));
    expect(fromStart.gaps).toEqual([{ partition: 0, requested: 0, available: 1 }]);
    expect(log.replay('acme', { cursor: new Map([[0, 1]]) }).gaps).toEqual([]);
    expect(log.replay('acme', { since: 1000 }).gaps).toEqual([{ partition: 0, requestedSince: 1000, availableSince: 1001 }]);
    expect(log.replay('acme', { since: 1001 }).gaps).toEqual([]);
    // Before the time the log began covering: a gap as well.
    const fresh = new ConfirmationLog({ retainMs: 10_000, maxEventIds: 4 });
    fresh.start(new Map([[0, 7]]), 500);
    expect(fresh.replay('acme', { since: 499 }).gaps).toEqual([{ partition: 0, requestedSince: 499, availableSince: 500 }]);
    expect(fresh.replay('acme', { cursor: new Map([[0, 3]]) }).gaps).toEqual([{ partition: 0, requested: 3, available: 7 }]);

    log.expire(12_500); // older than 10 s: the 2000 entry goes, the 3000 one stays
    expect(log.size).toBe(1);
    expect(log.replay('acme', { since: 0 }).entries).toEqual([es[2]]);
    log.expire(20_000);
    expect(log.size).toBe(0);
    expect(log.replay('acme', { since: 0 }).entries).toEqual([]);
  });

  test('stays bounded and correct under many producers and evictions', () => {
    const log = new ConfirmationLog({ retainMs: 1e12, maxEventIds: 5000 });
    log.start(new Map([[0, 0], [1, 0], [2, 0]]), 0);
    for (let i = 0; i < 20_000; i++) log.append(entry(i % 3, `p${i % 7}`, [`e${i}`], i));
    expect(log.eventIds).toBe(5000);
    const got = log.replay('p3', { since: 0 }).entries.map((e) => Number(e.eventIds[0].slice(1)));
    expect(got.length).toBeGreaterThan(700);
    expect(got.every((n) => n % 7 === 3 && n >= 15_000)).toBe(true);
    expect(got).toEqual([...got].sort((a, b) => a - b));
  });

  test('resume parameters: cursor or since, never both, named when wrong', () => {
    expect(parseResume(new URLSearchParams(''))).toBeNull();
    expect(parseResume(new URLSearchParams('cursor=0:3,1:9'))).toEqual({ cursor: new Map([[0, 3], [1, 9]]) });
    expect(parseResume(new URLSearchParams('since=1714564800000'))).toEqual({ since: 1714564800000 });
    expect(() => parseResume(new URLSearchParams('since=yesterday'))).toThrow(/since "yesterday": expected epoch milliseconds/);
    expect(() => parseResume(new URLSearchParams('cursor=abc'))).toThrow(/cursor entry "abc"/);
    expect(() => parseResume(new URLSearchParams('cursor=0:1&since=5'))).toThrow('give either cursor or since, not both');
  });
});
