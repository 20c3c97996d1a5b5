import type { EnrichedEvent, RawEvent, ScoredEvent } from '@sluice/contracts';
import { AvroSerde, DecodeError, RegistryClient, ValidationError } from '@sluice/runtime';
import { REGISTRY_URL, rawEvent, uniquePrefix } from '../../../../test/support/kafka';

describe('AvroSerde against the real registry', () => {
  test('a record written with another topic’s schema is undecodable (a DecodeError naming both), not a registry failure to retry', async () => {
    const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), uniquePrefix('serde-wrong-schema'));
    await serde.register(['raw', 'alerts']);
    const now = Date.now();
    const alert = serde.encode('alerts', {
      id: 'a-1',
      dedupKey: 'd-1',
      rule: 'r',
      ruleVersion: 'v1',
      severity: 'LOW',
      title: 't',
      source: null,
      entity: { type: 'keyword', value: 'k' },
      evidence: { eventIds: [], windowStart: now, windowEnd: now, figures: {} },
      models: [],
      firedAt: now,
    });
    const good = serde.encode('raw', rawEvent({ id: 'good-1' }));
    // prepare settles (nothing to retry) and keeps its verdict; the valid record beside it decodes.
    await expect(serde.prepare('raw', [alert, good])).resolves.toBeUndefined();
    expect(serde.decodeSync<{ id: string }>('raw', good).id).toBe('good-1');
    let caught: unknown;
    try {
      serde.decodeSync('raw', alert);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect((caught as Error).message).toMatch(/writer schema id \d+ cannot be read as RawEvent: .*Alert/);
    // A second prepare does not ask again and still refuses the same way.
    await expect(serde.decode('raw', alert)).rejects.toThrow(/cannot be read as RawEvent/);
  });

  test('a schema id the registry does not know is undecodable with a reason', async () => {
    const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), uniquePrefix('serde-unknown-id'));
    await serde.register(['raw']);
    const framed = serde.encode('raw', rawEvent({ id: 'x' }));
    framed.writeUInt32BE(0x7ffffff0, 1);
    await expect(serde.decode('raw', framed)).rejects.toThrow(/schema id 2147483632 is unknown to the registry/);
  });

  test('an output embedding its decoded input reuses the input bytes and is byte-identical to a full encode', async () => {
    const serde = new AvroSerde(new RegistryClient(REGISTRY_URL), uniquePrefix('serde-derived'));
    await serde.register(['raw', 'enriched', 'scored']);
    const rawBytes = serde.encode('raw', rawEvent({ id: 'derived-1', text: 'سلام hello #tag 👋' }));
    const raw = await serde.decode<RawEvent>('raw', rawBytes);
    const enrichedValue = { event: raw, enrichment: { language: 'en', hashtags: ['tag'], keywords: ['hello'], version: 'e1', enrichedAt: 1_700_000_000_000 } };
    const enrichedBytes = serde.encodeDerived('enriched', enrichedValue, { topicKey: 'raw', raw: rawBytes, value: raw });
    expect(enrichedBytes.equals(serde.encode('enriched', enrichedValue))).toBe(true);
    // The input's body is the prefix of the output's body.
    expect(enrichedBytes.subarray(5, rawBytes.length).equals(rawBytes.subarray(5))).toBe(true);
    expect(enrichedBytes.readUInt32BE(1)).toBe(serde.schemaId('enriched'));

    const enriched = await serde.decode<EnrichedEvent>('enriched', enrichedBytes);
    expect(enriched.event).toEqual(raw);
    const scoredValue = {
      enriched,
      scores: [{ model: 'sentiment', version: 's1', score: -0.5, label: 'negative', details: { p: 0.9 } }],
      processingVersion: 'p1',
      scoredAt: 1_700_000_000_500,
    };
    const scoredBytes = serde.encodeDerived('scored', scoredValue, { topicKey: 'enriched', raw: enrichedBytes, value: enriched });
    expect(scoredBytes.equals(serde.encode('scored', scoredValue))).toBe(true);
    expect((await serde.decode<ScoredEvent>('scored', scoredBytes)).enriched).toEqual(enriched);

    // A first field that is not the decoded input itself (a changed copy) is encoded in full.
    const changed = { ...scoredValue, enriched: { ...enriched, event: { ...enriched.event, text: 'changed' } } };
    const changedBytes = serde.encodeDerived('scored', changed, { topicKey: 'enriched', raw: enrichedBytes, value: enriched });
    expect((await serde.decode<ScoredEvent>('scored', changedBytes)).enriched.event.text).toBe('changed');
    // An input whose schema id was never prepared (so not known to match the contract) is encoded in full too.
    const foreign = Buffer.from(enrichedBytes);
    foreign.writeUInt32BE(0x7ffffff0, 1);
    expect(serde.encodeDerived('scored', scoredValue, { topicKey: 'enriched', raw: foreign, value: enriched }).equals(scoredBytes)).toBe(true);
    // An invalid remainder is refused naming the field, as a full encode would be.
    const bad = { ...scoredValue, processingVersion: 42 };
    expect(() => serde.encodeDerived('scored', bad, { topicKey: 'enriched', raw: enrichedBytes, value: enriched })).toThrow(ValidationError);
    expect(() => serde.encodeDerived('scored', bad, { topicKey: 'enriched', raw: enrichedBytes, value: enriched })).toThrow(/field "processingVersion": expected string, got 42/);
  });
});
