/**
 * End to end: the five services as separate processes on the real broker, registry and PostgreSQL.
 * Events arrive over HTTP and straight through Kafka, end as rows with their enrichment and scores, a
 * rule fires and its alert reaches a WebSocket client and the alert topic, a coordinated replay of the
 * score stage runs, and no row and no alert is duplicated.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import type { Alert, DeadLetter, RawEvent } from '@sluice/contracts';
import { BROKERS, REGISTRY_URL, eventually, produce, provision, rawEvent, readTopic } from '../support/kafka';
import { startPipeline, type Pipeline } from '../support/pipeline';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

jest.setTimeout(240_000);

interface WsAlert {
  type: 'alert';
  id: string;
  status: string;
  alert: Alert;
}

describe('the whole pipeline', () => {
  let pipeline: Pipeline;
  let procs: Pipeline['procs'];
  let db: Pipeline['db'];
  let prefix: string;
  let ws: WebSocket;
  const received: WsAlert[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline('e2e');
    ({ procs, db, prefix } = pipeline);
    ws = new WebSocket(`ws://127.0.0.1:${procs.notify.port}/ws`, { headers: { Authorization: `Bearer ${pipeline.token}` } });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string };
      if (msg.type === 'alert') received.push(msg as WsAlert);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
  });

  afterAll(async () => {
    ws?.close();
    await pipeline?.close();
  });

  test('events from HTTP and Kafka become rows, an alert reaches the WebSocket, a replay duplicates nothing', async () => {
    const { names, serde } = await provision(prefix);
    const now = Date.now();
    // Five negative posts from five 20k-follower accounts on one source: the influencer-negative-burst rule.
    const negative = Array.from({ length: 5 }, (_, i) =>
      rawEvent({
        id: `e2e-neg-${i}`,
        source: 'twitter',
        occurredAt: now - 5000 + i,
        author: { id: `influencer-${i}`, handle: `influencer${i}`, followers: 20_000 + i, verified: true },
        text: 'This is terrible and awful, the worst disaster, I hate how horrible and broken this service is',
      }),
    );
    const ordinary = Array.from({ length: 40 }, (_, i) =>
      rawEvent({ id: `e2e-http-${i}`, occurredAt: now - 10_000 + i, text: i % 2 ? `Lovely morning in the park #weekend number ${i}` : `صباح جميل في الحديقة اليوم #عطلة ${i}` }),
    );
    const httpEvents = [...negative, ...ordinary].map(({ receivedAt: _r, producer: _p, ...e }) => e);
    const res = await fetch(`${procs.ingest.url}/v1/events/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${pipeline.apiKey}` },
      body: JSON.stringify(httpEvents),
    });
    expect(res.status).toBe(202);

    const direct: RawEvent[] = Array.from({ length: 20 }, (_, i) => rawEvent({ id: `e2e-kafka-${i}`, source: 'telegram', kind: 'CHAT', occurredAt: now - 8000 + i, text: `direct message ${i} about the #market` }));
    const invalid = rawEvent({ id: 'x'.repeat(300), source: 'telegram' });
    await produce([
      ...direct.map((e) => ({ topic: names.topic('raw'), key: `${e.source}:${e.author.id}`, value: serde.encode('raw', e) })),
      { topic: names.topic('raw'), key: 'bad', value: serde.encode('raw', invalid) },
    ]);
    const expected = httpEvents.length + direct.length;

    // Every valid event becomes one row, enriched and scored.
    await eventually(async () => Number((await db.query('SELECT count(*) FROM events')).rows[0].count) === expected, 120_000, 500);
    const rows = (await db.query(`SELECT id, enrichment_version, processing_version, sentiment, spam, keywords, enrichment->>'language' AS language FROM events`)).rows as Array<Record<string, unknown>>;
    expect(new Set(rows.map((r) => r.id)).size).toBe(expected);
    for (const r of rows) {
      expect(r.enrichment_version).toMatch(/^enrich-/);
      expect(r.processing_version).toMatch(/^score-/);
      expect(typeof r.sentiment).toBe('number');
      expect(typeof r.spam).toBe('number');
    }
    expect(rows.find((r) => r.id === 'e2e-http-0')?.language).toBe('ar');
    expect(rows.find((r) => r.id === 'e2e-http-1')?.language).toBe('en');

    // The invalid direct record is dead-lettered by enrich with a reason naming the field.
    const dead = await readTopic(names.topic('dlq'), 1);
    const letter = await serde.decode<DeadLetter>('dlq', dead[0].value);
    expect(letter.stage).toBe('enrich');
    expect(letter.reason).toMatch(/id/);

    // The burst rule fires: the alert is on the alert topic, in PostgreSQL and on the WebSocket.
    const alertRecords = await readTopic(names.topic('alerts'), 1, 60_000);
    const alerts = await Promise.all(alertRecords.map((r) => serde.decode<Alert>('alerts', r.value)));
    const burst = alerts.find((a) => a.rule === 'influencer-negative-burst');
    expect(burst).toBeDefined();
    await eventually(async () => received.some((m) => m.alert.dedupKey === burst!.dedupKey), 60_000);
    await eventually(async () => Number((await db.query('SELECT count(*) FROM alerts WHERE dedup_key = $1', [burst!.dedupKey])).rows[0].count) === 1, 60_000);

    // A coordinated replay of the score stage from the start, with every stage running.
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'tools/cli/dist/main.js'), 'replay', '--group', 'score', '--to-offset', '0', '--json'], {
      env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix },
    });
    const replayed = JSON.parse(stdout) as { coordinated: boolean; paused: string[]; resumed: string[]; plan: unknown[] };
    expect(replayed.coordinated).toBe(true);
    expect(replayed.paused.length).toBeGreaterThan(0);
    expect(replayed.resumed).toEqual(replayed.paused);

    // Score re-reads everything (its outputs double), then persist drains what it produced again.
    const scoredAgain = await readTopic(names.topic('scored'), expected * 2, 60_000);
    expect(scoredAgain.length).toBeGreaterThanOrEqual(expected * 2);
    await eventually(async () => {
      const { stdout: lag } = await run(process.execPath, [path.join(ROOT, 'tools/cli/dist/main.js'), 'lag', '--json'], {
        env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix },
      });
      const report = JSON.parse(lag) as { groups: Array<{ stage: string; totalRecords: number; sampledAt: number }> };
      return report.groups.filter((g) => ['score', 'persist'].includes(g.stage)).every((g) => g.totalRecords === 0);
    }, 120_000, 1000);
    expect(Number((await db.query('SELECT count(*) FROM events')).rows[0].count)).toBe(expected);
    expect(Number((await db.query('SELECT count(DISTINCT id) FROM events')).rows[0].count)).toBe(expected);
    expect(Number((await db.query('SELECT count(*) FROM alerts WHERE dedup_key = $1', [burst!.dedupKey])).rows[0].count)).toBe(1);
    // Whatever the replay re-emitted carries the same dedup key: the analyst is not alerted twice.
    await new Promise((r) => setTimeout(r, 3000));
    expect(received.filter((m) => m.alert.dedupKey === burst!.dedupKey && m.status === 'new')).toHaveLength(1);
  });
});
