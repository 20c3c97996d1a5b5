import { DecisionLog, DedupWindow } from '.';

describe('dedup window', () => {
  test('the same dedup key within the window is surfaced once', () => {
    const d = new DedupWindow({ windowMs: 60_000 });
    expect(d.decide('k', 1_000).status).toBe('new');
    expect(d.decide('k', 2_000).status).toBe('duplicate');
    expect(d.decide('k', 60_999).status).toBe('duplicate');
    expect(d.decide('other', 3_000).status).toBe('new');
  });

  test('a firing after the window resurfaces and opens a new window', () => {
    const d = new DedupWindow({ windowMs: 60_000 });
    d.decide('k', 0);
    const again = d.decide('k', 60_000);
    expect(again).toEqual({ status: 'resurfaced', episode: 60_000, occurrences: 1 });
    expect(d.decide('k', 100_000).status).toBe('duplicate');
    expect(d.decide('k', 120_000).status).toBe('resurfaced');
  });

  test('the window is measured from the surfaced firing, not slid by duplicates', () => {
    const d = new DedupWindow({ windowMs: 10_000 });
    d.decide('k', 0);
    for (let t = 1000; t < 10_000; t += 1000) expect(d.decide('k', t).status).toBe('duplicate');
    expect(d.decide('k', 10_000).status).toBe('resurfaced');
  });

  test('after an acknowledgement the next firing resurfaces at once; earlier records stay duplicates', () => {
    const d = new DedupWindow({ windowMs: 3_600_000 });
    d.decide('k', 1_000);
    expect(d.ack('k', 5_000)).toBe(true);
    // A redelivered record from before the acknowledgement is still the same notification.
    expect(d.decide('k', 4_000).status).toBe('duplicate');
    expect(d.decide('k', 6_000)).toMatchObject({ status: 'resurfaced', episode: 6_000 });
    expect(d.isAcknowledged('k')).toBe(false);
    expect(d.decide('k', 7_000).status).toBe('duplicate');
  });

  test('acknowledging an unknown key says so', () => {
    expect(new DedupWindow({ windowMs: 1000 }).ack('never-fired', 1)).toBe(false);
  });

  test('decisions depend only on the record timestamps, so a re-read reaches the same ones', () => {
    const firings: Array<[string, number]> = [['a', 0], ['b', 10], ['a', 20], ['a', 120], ['b', 200], ['a', 230]];
    const run = () => {
      const d = new DedupWindow({ windowMs: 100 });
      return firings.map(([k, t]) => d.decide(k, t).status);
    };
    expect(run()).toEqual(['new', 'new', 'duplicate', 'resurfaced', 'resurfaced', 'resurfaced']);
    expect(run()).toEqual(run());
  });

  test('memory is bounded by key count and by age', () => {
    const d = new DedupWindow({ windowMs: 10, memoryMs: 1000, maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd']) d.decide(k, 0);
    expect(d.size).toBe(3);
    expect(d.decide('a', 1).status).toBe('new'); // forgotten (least recently fired)
    d.decide('z', 5000); // stream time moves on: everything older than memoryMs is forgotten
    expect(d.size).toBe(1);
  });

  test('the decision log keeps the most recent entries', () => {
    const log = new DecisionLog(2);
    log.record('0-1', { status: 'new', dedupKey: 'a', episode: 1 });
    log.record('0-2', { status: 'duplicate', dedupKey: 'a', episode: 1 });
    log.record('0-3', { status: 'new', dedupKey: 'b', episode: 3 });
    expect(log.get('0-1')).toBeUndefined();
    expect(log.get('0-2')?.status).toBe('duplicate');
    expect(log.size).toBe(2);
  });
});
