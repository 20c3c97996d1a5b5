import * as fs from 'node:fs';
import * as path from 'node:path';
import { AvroSerde, RegistryClient } from '@sluice/runtime';
import { PipelineTracker, leadingId } from '.';

const SCHEMAS = path.resolve(__dirname, '../../../../schemas');
const firstField = (file: string) => (JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8')) as { fields: Array<{ name: string; type: unknown }> }).fields[0];

describe('pipeline tracker', () => {
  test('the event id leads the Avro body of raw, enriched and scored records (what leadingId relies on)', () => {
    expect(firstField('RawEvent.avsc')).toMatchObject({ name: 'id', type: 'string' });
    expect(firstField('EnrichedEvent.avsc').name).toBe('event');
    expect(JSON.stringify(firstField('EnrichedEvent.avsc').type)).toMatch(/RawEvent/);
    expect(firstField('ScoredEvent.avsc').name).toBe('enriched');
    expect(JSON.stringify(firstField('ScoredEvent.avsc').type)).toMatch(/EnrichedEvent/);
  });

  test('leadingId reads the id from the framed bytes and refuses what is not framed Avro', () => {
    const serde = new AvroSerde(new RegistryClient('http://127.0.0.1:1'));
    const body = serde.typeOf('raw').toBuffer({
      id: 'evt-ünïcode-42',
      source: 'twitter',
      kind: 'POST',
      occurredAt: 1,
      receivedAt: 2,
      author: { id: 'a', handle: null, followers: null, verified: false },
      text: 'x',
      url: null,
      lang: null,
      parentId: null,
      engagement: null,
      attributes: {},
      producer: 'acme',
    });
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]);
    expect(leadingId(framed)).toBe('evt-ünïcode-42');
    expect(leadingId(null)).toBeNull();
    expect(leadingId(Buffer.from('{"id":"x"}'))).toBeNull();
    expect(leadingId(Buffer.from([0, 0, 0, 0, 7, 0x7f]))).toBeNull(); // negative length
    expect(leadingId(Buffer.from([0, 0, 0, 0, 7, 20, 65]))).toBeNull(); // length past the end
  });

  test('follows at most admitPerSecond new events a second and at most maxEvents at once', () => {
    const t = new PipelineTracker({ maxEvents: 5, admitPerSecond: 3 });
    const admitted = Array.from({ length: 10 }, () => t.admit(1000));
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(t.admit(1999)).toBe(false);
    expect(t.admit(2000)).toBe(true);
    for (let i = 0; i < 8; i++) t.record('accepted', `e${i}`, 1000 + i, 'acme');
    expect(t.size).toBe(5);
    expect(t.isFollowed('e2')).toBe(false);
    expect(t.isFollowed('e7')).toBe(true);
  });

  test('an event moves through the steps; steps of events not followed are ignored; first sighting counts', () => {
    const t = new PipelineTracker({ maxEvents: 10, admitPerSecond: 10 });
    t.snapshot(0);
    t.record('accepted', 'e1', 100);
    t.record('enriched', 'e1', 110);
    t.record('scored', 'e1', 120);
    t.record('scored', 'e1', 999); // redelivered
    t.record('persisted', 'e1', 130, 'acme');
    t.record('enriched', 'ghost', 111);
    t.record('accepted', 'e2', 200);
    t.count('accepted', 10);
    t.count('persisted', 4);
    const snap = t.snapshot(2000);
    expect(snap.events).toEqual([
      { id: 'e2', producer: null, accepted: 200 },
      { id: 'e1', producer: 'acme', accepted: 100, enriched: 110, scored: 120, persisted: 130 },
    ]);
    expect(snap.ratePerSec).toEqual({ accepted: 5, enriched: 0, scored: 0, persisted: 2 });
    expect(t.isFollowed('ghost')).toBe(false);
    expect(t.snapshot(3000, 1).events.map((e) => e.id)).toEqual(['e2']);
  });
});
