import { schemaType, type RawEvent } from '@sluice/contracts';
import { RawEventEncoder } from './encoder';

const type = schemaType('RawEvent');

function event(i: number): RawEvent {
  return { id: `e${i}`, source: 'news', kind: 'NEWS', occurredAt: 1_700_000_000_000 + i, receivedAt: 1_700_000_000_500, author: { id: `a${i}` }, text: 'x'.repeat(i * 10), producer: 'p' };
}

describe('RawEventEncoder', () => {
  test('each value is Confluent-framed Avro that decodes to its event, also when the buffer has to grow', () => {
    const encoder = new RawEventEncoder(type, 0x01020304);
    const events = Array.from({ length: 40 }, (_, i) => event(i));
    const values = encoder.encodeAll(events, 64); // far too small on purpose
    expect(values).toHaveLength(40);
    values.forEach((v, i) => {
      expect(v[0]).toBe(0);
      expect(v.readUInt32BE(1)).toBe(0x01020304);
      expect(type.fromBuffer(v.subarray(5))).toEqual(type.fromBuffer(type.toBuffer(events[i])));
      expect(v.length).toBe(5 + type.toBuffer(events[i]).length);
    });
  });
});
