import type { EnrichedEvent, RawEvent } from '@sluice/contracts';
import type { StageDefinition } from '@sluice/runtime';
import { eventually, produce, provision, rawEvent, readTopic, sleep, uniquePrefix } from '../../../../test/support/kafka';
import { runStage } from '../../test/stages';
import { createContext } from '../context';
import { run } from '../program';
import { listDeadLetters, redriveDeadLetters, REDRIVE_HEADER, showDeadLetter } from '.';

/** The enrich stage before the fix refuses texts with a marker; after the fix it takes everything. */
function stage(fixed: boolean): StageDefinition<RawEvent> {
  return {
    stage: 'enrich',
    outputs: ['enriched'],
    async handle(batch) {
      const refused = fixed ? [] : batch.filter((r) => r.value.text?.includes('#broken'));
      return {
        reject: refused.map((r) => ({ record: r, reason: `field "text": "${r.value.text}" carries the #broken marker; expected text without it`, errorType: 'validation' })),
        produce: batch.filter((r) => !refused.includes(r)).map((r) => ({ topic: 'enriched' as const, key: r.key?.toString() ?? null, value: { event: r.value, enrichment: { version: fixed ? 'fixed' : 'v1' } }, from: r })),
      };
    },
  };
}

describe('sluice dlq against the real broker', () => {
  test('list groups dead letters by stage and reason, show decodes one, and redrive after a fix delivers each selected record exactly once', async () => {
    const prefix = uniquePrefix('cli-dlq');
    const { names, serde } = await provision(prefix);
    const raw = names.topic('raw');
    const good = Array.from({ length: 4 }, (_, i) => rawEvent({ id: `ok-${i}`, author: { id: 'x' } }));
    const broken = Array.from({ length: 3 }, (_, i) => rawEvent({ id: `broken-${i}`, text: `item ${i} #broken`, author: { id: 'x' } }));
    await produce([
      ...[good[0], broken[0], good[1], broken[1]].map((e) => ({ topic: raw, partition: 0, key: 'twitter:x', value: serde.encode('raw', e), headers: { trace: e.id } })),
      { topic: raw, partition: 0, key: 'twitter:x', value: Buffer.from('this is not avro\n') },
      ...[good[2], broken[2], good[3]].map((e) => ({ topic: raw, partition: 0, key: 'twitter:x', value: serde.encode('raw', e), headers: { trace: e.id } })),
    ]);

    const v1 = await runStage(prefix, stage(false));
    try {
      await readTopic(names.topic('dlq'), 4, 60_000);
      await readTopic(names.topic('enriched'), 4, 60_000);
    } finally {
      await v1.stop();
    }
    const ctx = createContext({ prefix });

    // list: grouped by stage and reason, with counts and source positions.
    const listing = await listDeadLetters(ctx);
    expect(listing).toMatchObject({ total: 4, matched: 4, unreadable: [] });
    expect(listing.groups.map((g) => [g.stage, g.errorType, g.count])).toEqual([
      ['enrich', 'validation', 3],
      ['enrich', 'decode', 1],
    ]);
    expect(listing.groups[0].reason).toBe('field "text": "item # #broken" carries the #broken marker; expected text without it');
    expect([...listing.groups[0].sources].sort()).toEqual([`${raw}:0:1`, `${raw}:0:3`, `${raw}:0:6`]);
    expect((await listDeadLetters(ctx, { reasonContains: 'WIRE HEADER' })).matched).toBe(1);
    expect((await listDeadLetters(ctx, { stage: 'score' })).matched).toBe(0);
    let out = '';
    expect(await run(['--prefix', prefix, 'dlq', 'list'], { out: (s) => void (out += s), err: (s) => void (out += s) })).toBe(0);
    expect(out).toMatch(/enrich\s+validation\s+3\s+field "text"/);
    expect(out).toContain('4 of 4 dead letter(s)');

    // show: by source position, decoded with the source topic's schema; a non-Avro one as a preview.
    const shown = await showDeadLetter(ctx, `${raw}:0:3`);
    expect(shown.entry).toMatchObject({ stage: 'enrich', errorType: 'validation', source: `${raw}:0:3`, headers: { trace: 'broken-1' } });
    expect(shown.original).toMatchObject({ problem: null, decoded: { id: 'broken-1', text: 'item 1 #broken' } });
    expect(shown.key.utf8).toBe('twitter:x');
    const garbage = await showDeadLetter(ctx, `${raw}:0:4`);
    expect(garbage.original.problem).toContain('Confluent wire header');
    expect(garbage.original.utf8).toBe('this is not avro\\x0a');
    expect(garbage.original.hex).toMatch(/^74 68 69 73 20/);
    out = '';
    expect(await run(['--prefix', prefix, 'dlq', 'show', garbage.entry.position], { out: (s) => void (out += s), err: (s) => void (out += s) })).toBe(0);
    expect(out).toContain('is not readable as Avro');
    expect(out).toContain('utf8: this is not avro\\x0a');

    // The fix is deployed.
    const v2 = await runStage(prefix, stage(true));
    try {
      // A previous redrive crashed after sending broken-0 only: its record carries the redrive header.
      const first = listing.groups[0];
      const dlqTopic = names.topic('dlq');
      const letterOfBroken0 = first.positions[first.sources.indexOf(`${raw}:0:1`)];
      await produce([{ topic: raw, partition: 0, key: 'twitter:x', value: serde.encode('raw', broken[0]), headers: { trace: 'broken-0', [REDRIVE_HEADER]: `${dlqTopic}:${letterOfBroken0}` } }]);

      const dry = await redriveDeadLetters(ctx, { reasonContains: '#broken marker', dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, selected: 3 });
      expect(dry.alreadyRedriven.map((i) => i.source)).toEqual([`${raw}:0:1`]);
      expect(dry.redriven.map((i) => i.source).sort()).toEqual([`${raw}:0:3`, `${raw}:0:6`]);

      const once = await redriveDeadLetters(ctx, { reasonContains: '#broken marker' });
      expect(once.redriven.map((i) => i.source).sort()).toEqual([`${raw}:0:3`, `${raw}:0:6`]);
      out = '';
      expect(await run(['--prefix', prefix, 'dlq', 'redrive', '--reason-contains', '#broken marker'], { out: (s) => void (out += s), err: (s) => void (out += s) })).toBe(0);
      expect(out).toContain('3 dead letter(s) selected; redrove 0; 3 already redriven (skipped)');

      // The source topic got each fixed record exactly once more, with its key and headers.
      // Everything sent was acknowledged: a short read finds all there is (a twelfth would be a duplicate).
      const all = await readTopic(raw, 12, 3000);
      expect(all).toHaveLength(11);
      const redriven = all.filter((r) => r.headers[REDRIVE_HEADER]);
      expect(redriven.map((r) => r.headers.trace).sort()).toEqual(['broken-0', 'broken-1', 'broken-2']);
      expect(new Set(redriven.map((r) => r.headers[REDRIVE_HEADER])).size).toBe(3);
      for (const r of redriven) expect(r.key?.toString()).toBe('twitter:x');

      // The fixed stage turns each into exactly one output.
      await readTopic(names.topic('enriched'), 7, 60_000);
      await sleep(1000);
      const outputs = await Promise.all((await readTopic(names.topic('enriched'), 8, 2000)).map((r) => serde.decode<EnrichedEvent>('enriched', r.value)));
      expect(outputs).toHaveLength(7);
      const fixedIds = outputs.filter((o) => o.enrichment.version === 'fixed').map((o) => o.event.id);
      expect(fixedIds.sort()).toEqual(['broken-0', 'broken-1', 'broken-2']);

      // Redriving the undecodable one by its source position: it fails again, and the new dead letter says where it came from.
      const again = await redriveDeadLetters(ctx, { ids: [`${raw}:0:4`] });
      expect(again.redriven).toHaveLength(1);
      const relisted = await eventually(async () => {
        const l = await listDeadLetters(ctx, { reasonContains: 'wire header' });
        return l.matched === 2 ? l : undefined;
      }, 30_000);
      const newest = relisted.groups[0].positions[1];
      const reshown = await showDeadLetter(ctx, newest);
      expect(reshown.entry.redriveOf).toBe(`${dlqTopic}:${garbage.entry.position}`);
    } finally {
      await v2.stop();
    }
  }, 180_000);
});
