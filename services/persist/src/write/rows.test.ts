import { alert, record, scoredEvent } from '../../test/fixtures';
import { arrayLiteral, copyEscape, copySerializer } from './copy';
import { splitByPartition } from './writer';
import { CONFIRMATION_IDS_MAX, confirmations, jsonb, prepareBatch, storable, toEventRow, versionOrder, type EventRow } from './rows';

describe('versionOrder', () => {
  test.each([
    ['score-1.10.0', 'score-1.9.0'],
    ['2', '1'],
    ['score-2', 'score-1.99'],
    ['1.0.10', '1.0.9'],
    ['v010', 'v9'],
    ['a', ''],
  ])('%s sorts after %s', (newer, older) => {
    expect(versionOrder(newer) > versionOrder(older)).toBe(true);
  });

  test('equal versions give equal keys, also with leading zeros', () => {
    expect(versionOrder('1.02')).toBe(versionOrder('1.2'));
    expect(versionOrder('score-1.2.3')).toBe(versionOrder('score-1.2.3'));
  });
});

describe('mapping records to rows', () => {
  test('an event row carries the raw fields, the enrichment and every score by model', () => {
    const row = toEventRow(record('scored', scoredEvent({ id: 'x', scores: { spam: 0.25, custom: 3 }, likes: 4, keywords: ['a', 'a', 'b'] }), { partition: 2, offset: 9 })) as EventRow;
    expect(row).toMatchObject({
      id: 'x',
      spam: 0.25,
      sentiment: null,
      keywords: ['a', 'b'],
      likes: 4,
      lang: 'en',
      processing_version: 'score-1.0.0',
      kafka_partition: 2,
      kafka_offset: 9,
    });
    expect(JSON.parse(row.scores)).toMatchObject({ spam: { score: 0.25, version: '1' }, custom: { score: 3 } });
    expect(JSON.parse(row.attributes)).toEqual({ campaign: 'c1' });
  });

  test('a timestamp out of range is a problem naming the field', () => {
    const e = scoredEvent();
    e.enriched.event.receivedAt = 1.5;
    expect(toEventRow(record('scored', e))).toEqual({ problem: 'field "enriched.event.receivedAt": expected a timestamp in epoch milliseconds between 1970-01-01 and 9999-12-31, got 1.5' });
  });

  test('unstorable characters are replaced, valid surrogate pairs are kept', () => {
    expect(jsonb({ k: 'a\u0000b', 'x\ud800': 1, ok: '\ud83d\ude00', n: NaN })).toBe('{"k":"a\uFFFDb","x\uFFFD":1,"ok":"\ud83d\ude00","n":null}');
    expect(storable('a\u0000b')).toBe('a\uFFFDb');
    expect(storable('x\ud83d\ude00y')).toBe('x\ud83d\ude00y');
    expect(storable('lone\udc00')).toBe('lone\uFFFD');
    expect(storable(null)).toBeNull();
  });
});

describe('prepareBatch', () => {
  test('keeps one row per event (the newest version) and per alert (the latest offset)', () => {
    const old = scoredEvent({ id: 'dup', occurredAt: 1_700_000_000_000, processingVersion: 'score-2' });
    const newer = scoredEvent({ id: 'dup', occurredAt: 1_700_000_000_000, processingVersion: 'score-10' });
    const a = alert({ dedupKey: 'k' });
    const b = prepareBatch(
      [
        record('scored', newer, { offset: 1 }),
        record('scored', old, { offset: 2 }),
        record('alerts', a, { offset: 3 }),
        record('alerts', { ...a, title: 'later' }, { offset: 4 }),
      ],
      0,
    );
    expect(b.events).toHaveLength(1);
    expect(b.events[0].processing_version).toBe('score-10');
    expect(b.alerts).toHaveLength(1);
    expect(b.alerts[0].title).toBe('later');
    expect(b.days).toEqual(new Set(['2023-11-14']));
  });

  test('stores one offset per partition, one past the last record, or at the first rejected one', () => {
    const bad = scoredEvent();
    bad.enriched.event.occurredAt = -1;
    const b = prepareBatch(
      [
        record('scored', scoredEvent(), { topic: 's', partition: 0, offset: 5 }),
        record('scored', scoredEvent(), { topic: 's', partition: 0, offset: 6 }),
        record('scored', scoredEvent(), { topic: 's', partition: 1, offset: 3 }),
        record('scored', bad, { topic: 's', partition: 1, offset: 4 }),
        record('scored', scoredEvent(), { topic: 's', partition: 1, offset: 5 }),
      ],
      0,
    );
    expect(b.offsets).toEqual([
      { topic: 's', partition: 0, next_offset: 7 },
      { topic: 's', partition: 1, next_offset: 4 },
    ]);
    expect(b.reject.map((r) => r.record.offset)).toEqual([4]);
  });

  test('events before the retention start are expired, not rows', () => {
    const b = prepareBatch([record('scored', scoredEvent({ id: 'old', occurredAt: 1000, producer: 'p' })), record('scored', scoredEvent({ id: 'new', occurredAt: 5000 }))], 2000);
    expect(b.events.map((e) => e.id)).toEqual(['new']);
    expect(b.expired).toEqual([{ id: 'old', producer: 'p' }]);
  });
});

describe('confirmations', () => {
  test('one per producer and outcome, split when large', () => {
    const many = Array.from({ length: CONFIRMATION_IDS_MAX + 1 }, (_, i) => ({ id: `e${i}`, producer: 'big' }));
    const out = confirmations([...many, { id: 'd1', producer: null }], [{ id: 'x', producer: 'big' }], 42);
    expect(out.map((c) => [c.producer, c.stage, c.eventIds.length, c.committedAt])).toEqual([
      ['big', 'persisted', CONFIRMATION_IDS_MAX, 42],
      ['big', 'persisted', 1, 42],
      [null, 'persisted', 1, 42],
      ['big', 'expired', 1, 42],
    ]);
  });
});

describe('COPY text', () => {
  test('escapes the characters COPY and array literals treat specially', () => {
    expect(copyEscape('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(arrayLiteral(['plain', 'with "quote"', 'back\\slash', 'a,b{}'])).toBe('{"plain","with \\"quote\\"","back\\\\slash","a,b{}"}');
    expect(arrayLiteral([])).toBe('{}');
    const serialize = copySerializer<{ s: string; n: null; b: boolean; a: string[]; j: string; f: number }>([
      ['s', 'text'],
      ['n', 'bigint'],
      ['b', 'boolean'],
      ['a', 'text[]'],
      ['j', 'jsonb'],
      ['f', 'float8'],
    ]);
    const text = serialize([{ s: 'x\ty\u0000', n: null, b: true, a: ['p\\q', 'n\u0000l'], j: JSON.stringify({ k: 'v\n' }), f: 1.5 }]);
    expect(text).toBe('x\\ty\uFFFD\t\\N\tt\t{"p\\\\\\\\q","n\uFFFDl"}\t{"k":"v\\\\n"}\t1.5\n');
  });
});

describe('splitting a batch into write lanes', () => {
  const batchOf = (partitions: number[], alertPartitions: number[] = []) =>
    prepareBatch(
      [
        ...partitions.map((partition, i) => record('scored', scoredEvent({ id: `split-${i}` }), { topic: 's', partition, offset: i })),
        ...alertPartitions.map((partition, i) => record('alerts', alert({ dedupKey: `split-${i}` }), { topic: 'a', partition, offset: i })),
      ],
      0,
    );
  const partitionsOf = (lane: ReturnType<typeof splitByPartition>[number]) => [...new Set([...lane.events.map((e) => e.kafka_partition), ...lane.alerts.map((a) => a.kafka_partition)])].sort();

  test('balances rows over lanes by partition; a partition and its offsets, of every topic, stay in one lane', () => {
    const partitions = [...Array(300).fill(0), ...Array(200).fill(1), ...Array(150).fill(2), ...Array(50).fill(3)];
    const lanes = splitByPartition(batchOf(partitions, [1, 3]), 2);
    expect(lanes.map(partitionsOf)).toEqual([[0, 3], [1, 2]]);
    expect(lanes.map((l) => l.events.length + l.alerts.length)).toEqual([351, 351]);
    for (const lane of lanes) {
      expect(lane.offsets.map((o) => `${o.topic}:${o.partition}`).sort()).toEqual(
        [...lane.events.map((e) => `s:${e.kafka_partition}`), ...lane.alerts.map((a) => `a:${a.kafka_partition}`)].filter((v, i, all) => all.indexOf(v) === i).sort(),
      );
    }
  });

  test('a small batch, a single partition or a single lane is one transaction', () => {
    expect(splitByPartition(batchOf([0, 1, 2, 3]), 2)).toHaveLength(1);
    expect(splitByPartition(batchOf(Array(500).fill(4)), 2)).toHaveLength(1);
    expect(splitByPartition(batchOf([...Array(250).fill(0), ...Array(250).fill(1)]), 1)).toHaveLength(1);
  });

  test('offsets of a partition without rows (all rejected) go with the first lane', () => {
    const b = batchOf([...Array(150).fill(0), ...Array(150).fill(1)]);
    b.offsets.push({ topic: 's', partition: 9, next_offset: 3 });
    const lanes = splitByPartition(b, 2);
    expect(lanes).toHaveLength(2);
    expect(lanes[0].offsets.map((o) => o.partition).sort()).toEqual([0, 9]);
  });
});
