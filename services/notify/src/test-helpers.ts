/** Helpers for the notify tests: real broker, real registry, real sockets (no mocks). */
import { WebSocket } from 'ws';
import type { Alert, Confirmation, EnrichedEvent, RawEvent, ScoredEvent } from '@sluice/contracts';
import { createLogger, type AvroSerde, type OutRecord } from '@sluice/runtime';
import type { Naming } from '@sluice/contracts';
import { BROKERS, REGISTRY_URL, eventually } from '../../../test/support/kafka';
import { hashProducerKey, parseProducerKeys, startNotify, type RunningNotify, type StartNotifyOptions } from '.';

export const TOKEN = 'alice-token-0123456789';
export const OTHER_TOKEN = 'bob-token-9876543210';
export const logger = createLogger('notify-test', process.env.TEST_LOG_LEVEL ?? 'warn');

/** Producer API keys as ingest holds them (name:sha256hex). */
export const ACME_KEY = 'acme-producer-key-0123456789';
export const BETA_KEY = 'beta-producer-key-9876543210';
export const PRODUCER_KEYS = parseProducerKeys(`acme:${hashProducerKey(ACME_KEY)},beta:${hashProducerKey(BETA_KEY)}`, 'test');

/** A Confirmation record keyed by producer, as persist publishes it. */
export function confirmationRecord(names: Naming, serde: AvroSerde, c: Confirmation, partition?: number): OutRecord {
  return { topic: names.topic('confirmations'), key: c.producer ?? null, value: serde.encode('confirmations', c), partition };
}

/** The enriched and scored forms of a raw event, as enrich and score would write them. */
export function enrichedOf(event: RawEvent): EnrichedEvent {
  const now = Date.now();
  return {
    event,
    enrichment: {
      normalizedText: event.text,
      matchText: event.text,
      language: 'en',
      hashtags: [],
      mentions: [],
      cashtags: [],
      urls: [],
      keywords: ['hello'],
      exactDuplicate: false,
      fingerprint: '0123456789abcdef',
      lookups: {},
      missing: [],
      version: 'enrich-test',
      enrichedAt: now,
    },
  };
}

export function scoredOf(event: RawEvent): ScoredEvent {
  return { enriched: enrichedOf(event), scores: [], processingVersion: 'score-test', scoredAt: Date.now() };
}

let seq = 0;
export function makeAlert(over: Partial<Alert> = {}): Alert {
  seq++;
  const dedupKey = over.dedupKey ?? `rule-x:keyword:k${seq}:${Date.now()}`;
  return {
    id: `alert-${seq}-${Date.now().toString(36)}`,
    dedupKey,
    rule: 'keyword-spike',
    ruleVersion: 'v1',
    severity: 'HIGH',
    title: `Keyword k${seq} is spiking`,
    source: 'twitter',
    entity: { type: 'keyword', value: `k${seq}` },
    evidence: { eventIds: [`evt-${seq}`], windowStart: Date.now() - 60_000, windowEnd: Date.now(), figures: { count: 42, threshold: 10 } },
    models: [],
    firedAt: Date.now(),
    ...over,
  };
}

export function alertRecord(names: Naming, serde: AvroSerde, alert: Alert, timestamp?: number): OutRecord {
  return { topic: names.topic('alerts'), key: alert.dedupKey, value: serde.encode('alerts', alert), timestamp };
}

export async function startService(prefix: string, over: Partial<StartNotifyOptions> = {}): Promise<RunningNotify> {
  const running = await startNotify({
    brokers: BROKERS,
    registryUrl: REGISTRY_URL,
    prefix,
    tokens: [
      { name: 'alice', token: TOKEN },
      { name: 'bob', token: OTHER_TOKEN },
    ],
    dedupWindowMs: 60_000,
    heartbeatMs: 5_000,
    startFrom: 'earliest',
    statsIntervalMs: 500,
    producerKeys: PRODUCER_KEYS,
    logger,
    ...over,
  });
  try {
    // Live delivery starts once the stage holds the alert partitions (a group join can be slow on a busy machine).
    await eventually(async () => running.stage.assignment().length === 3, 60_000, 50);
    await running.service.hub.ready;
  } catch (e) {
    await running.stop();
    throw e;
  }
  return running;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/** A WebSocket client that records every message it gets. */
export class TestClient {
  readonly messages: Msg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(wsUrl: string, token: string | null = TOKEN, options: { via?: 'header' | 'query'; autoPong?: boolean } = {}): Promise<TestClient> {
    const url = token && options.via === 'query' ? `${wsUrl}?token=${encodeURIComponent(token)}` : wsUrl;
    const headers = token && options.via !== 'query' ? { Authorization: `Bearer ${token}` } : undefined;
    const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(message: Msg): void {
    this.ws.send(JSON.stringify(message));
  }

  alerts(): Msg[] {
    return this.messages.filter((m) => m.type === 'alert');
  }

  /** Waits until the recorded messages satisfy `done`. */
  async waitFor(done: (messages: Msg[]) => boolean, timeoutMs = 20_000, what = 'messages'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages: ${JSON.stringify(this.messages.map((m) => m.type + (m.id ? `:${m.id}` : ''))).slice(0, 600)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async subscribe(message: Msg = {}): Promise<Msg> {
    const from = this.messages.length;
    this.send({ type: 'subscribe', ...message });
    await this.waitFor((ms) => ms.slice(from).some((m) => m.type === 'subscribed' || m.type === 'error'), 20_000, 'subscribed');
    const reply = this.messages.slice(from).find((m) => m.type === 'subscribed' || m.type === 'error')!;
    if (reply.type === 'error') throw new Error(reply.error);
    return reply;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
