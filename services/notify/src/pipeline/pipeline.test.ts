import { produce, provision, rawEvent, uniquePrefix, eventually } from '../../../../test/support/kafka';
import { TOKEN, TestClient, confirmationRecord, enrichedOf, scoredOf, startService, type Msg } from '../test-helpers';

describe('console pipeline view against the real broker', () => {
  test('an event is seen accepted, enriched, scored and persisted while a console watches; nobody watching stops the tails', async () => {
    const prefix = uniquePrefix('notify-pipeline');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix, { statsIntervalMs: 300, pipelineIdleMs: 500 });
    try {
      expect(svc.service.pipeline.live).toBe(false);
      const console = await TestClient.connect(svc.wsUrl, TOKEN);
      await console.subscribe({ alerts: false, stats: true, pipeline: true });
      await eventually(async () => svc.service.pipeline.live, 30_000, 50);

      const events = [rawEvent({ producer: 'acme' }), rawEvent({ producer: 'beta' }), rawEvent()];
      const key = (e: (typeof events)[number]) => `${e.source}:${e.author.id}`;
      await produce(events.map((e) => ({ topic: names.topic('raw'), key: key(e), value: serde.encode('raw', e) })));
      // Step by step, as the stages would; the last event stops at scored.
      await produce(events.map((e) => ({ topic: names.topic('enriched'), key: key(e), value: serde.encode('enriched', enrichedOf(e)) })));
      await produce(events.map((e) => ({ topic: names.topic('scored'), key: key(e), value: serde.encode('scored', scoredOf(e)) })));
      const committedAt = Date.now();
      await produce([
        confirmationRecord(names, serde, { producer: 'acme', eventIds: [events[0].id], stage: 'persisted', committedAt }),
        confirmationRecord(names, serde, { producer: 'beta', eventIds: [events[1].id], stage: 'persisted', committedAt }),
      ]);

      const latest = () => [...console.messages].reverse().find((m) => m.type === 'pipeline');
      const shown = (id: string) => (latest()?.events as Msg[] | undefined)?.find((e) => e.id === id);
      await console.waitFor(() => Boolean(shown(events[0].id)?.persisted && shown(events[1].id)?.persisted && shown(events[2].id)?.scored), 30_000, 'the events through the pipeline');
      expect(shown(events[0].id)).toMatchObject({ producer: 'acme', persisted: committedAt });
      expect(shown(events[1].id)!.producer).toBe('beta');
      for (const id of [events[0].id, events[1].id]) {
        const e = shown(id)!;
        expect(e.accepted).toBeLessThanOrEqual(e.enriched);
        expect(e.enriched).toBeLessThanOrEqual(e.scored);
      }
      expect(shown(events[2].id)).toMatchObject({ producer: null });
      expect(shown(events[2].id)!.persisted).toBeUndefined();
      const snap = latest()!;
      expect(snap.live).toBe(true);
      expect((snap.stages as Msg[]).map((s) => s.stage)).toEqual(['ingest', 'enrich', 'score', 'persist']);
      // The JSON API gives the same view.
      const api = (await (await fetch(`${svc.url}/api/pipeline`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as Msg;
      expect(api.stages).toHaveLength(4);

      await console.close();
      await eventually(async () => !svc.service.pipeline.live, 30_000, 100);
      expect(svc.service.pipeline.tracker.size).toBe(0);
    } finally {
      await svc.stop();
    }
  }, 120_000);
});
