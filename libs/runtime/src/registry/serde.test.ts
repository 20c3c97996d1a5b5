import { AvroSerde, DecodeError, RegistryClient } from '@sluice/runtime';
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
});
