import type * as Runtime from '@sluice/runtime';
import { DEFAULT_EVENT_TIME_WINDOW, eventTimeProblem, type EventTimeWindow, type RawEvent } from '@sluice/contracts';
import type { KafkaTarget } from '../types';
import { allOutcomes, type AttemptOutcome, type EventOutcome, type PreparedEvent, type Transport } from './types';

type AvroType = ReturnType<Runtime.AvroSerde['typeOf']>;

/** occurredAt given as text must be ISO-8601 with a time zone, as ingest accepts it. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;
const SOURCE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Kafka key of a raw event: one author's events on one platform stay in order in one partition. */
export function eventKey(event: Pick<RawEvent, 'source' | 'author'>): string {
  return `${event.source}:${event.author.id}`;
}

/**
 * The RawEvent a direct producer writes: optional fields filled with their schema defaults, receivedAt
 * set now and producer null (ingest sets it for HTTP producers only). Returns the field-named problems
 * instead when occurredAt cannot be read.
 */
export function toRawEvent(prepared: PreparedEvent['event'], receivedAt: number): { event: RawEvent } | { problems: string[] } {
  const e = prepared as unknown as Record<string, unknown>;
  let occurredAt = e.occurredAt;
  if (typeof occurredAt === 'string') {
    const ms = ISO_DATE_TIME.test(occurredAt) ? Date.parse(occurredAt) : NaN;
    if (Number.isNaN(ms)) {
      return { problems: [`occurredAt: expected epoch milliseconds (an integer) or an ISO-8601 date-time with a time zone (for example 2024-05-01T12:00:00Z), got ${JSON.stringify(occurredAt).slice(0, 60)}`] };
    }
    occurredAt = ms;
  }
  const author = (e.author && typeof e.author === 'object' ? e.author : {}) as Record<string, unknown>;
  const event = {
    ...e,
    occurredAt,
    receivedAt,
    author: { ...author, handle: author.handle ?? null, followers: author.followers ?? null, verified: author.verified ?? false },
    text: e.text ?? null,
    url: e.url ?? null,
    lang: e.lang ?? null,
    parentId: e.parentId ?? null,
    engagement: e.engagement ? { likes: 0, shares: 0, comments: 0, views: 0, ...(e.engagement as object) } : null,
    attributes: e.attributes ?? {},
    producer: null,
  } as unknown as RawEvent;
  return { event };
}

/**
 * Fields no record of the schema declares (the Avro encoder would drop a misspelt optional field
 * silently; ingest refuses them, and so does this transport).
 */
export function undeclaredFields(type: AvroType, value: unknown, where = ''): string[] {
  const out: string[] = [];
  const name = type.typeName;
  if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const records = (type as unknown as { types: AvroType[] }).types.filter((t) => t.typeName === 'record');
    if (records.length === 1) out.push(...undeclaredFields(records[0], value, where));
    return out;
  }
  if (name !== 'record' || value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  const fields = (type as unknown as { fields: Array<{ name: string; type: AvroType }> }).fields;
  const declared = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(value)) {
    if (!declared.has(key)) out.push(`${where}${key}: is not a field of ${type.name?.split('.').pop()} (its fields are ${[...declared].join(', ')})`);
  }
  for (const f of fields) {
    const v = (value as Record<string, unknown>)[f.name];
    if (v !== null && v !== undefined) out.push(...undeclaredFields(f.type, v, `${where}${f.name}.`));
  }
  return out;
}

/** What the schema cannot say and enrich would dead-letter anyway: checked before producing. */
export function contractProblems(event: RawEvent, window: EventTimeWindow = DEFAULT_EVENT_TIME_WINDOW): string[] {
  const problems: string[] = [];
  if (typeof event.id === 'string' && (event.id.length < 1 || [...event.id].length > 128)) problems.push(`id: expected 1 to 128 characters, got ${event.id.length}`);
  if (typeof event.source === 'string' && !SOURCE.test(event.source)) {
    problems.push(`source: expected a lower-case token of 1 to 64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit (for example twitter), got ${JSON.stringify(event.source).slice(0, 70)}`);
  }
  const authorId = event.author?.id;
  if (typeof authorId === 'string' && (authorId.length < 1 || authorId.length > 256)) problems.push(`author.id: expected 1 to 256 characters, got ${authorId.length}`);
  // The record's timestamp is receivedAt: enrich measures occurredAt against it (ENRICH_MAX_AGE_MS, ENRICH_MAX_SKEW_MS).
  if (Number.isSafeInteger(event.occurredAt) && event.occurredAt > 0) {
    const problem = eventTimeProblem(event.occurredAt, event.receivedAt, window, CLIENT_WORDING);
    if (problem) problems.push(`occurredAt: ${problem}`);
  }
  return problems;
}

const CLIENT_WORDING = { reference: 'the time it was sent', ageVariable: "enrich's ENRICH_MAX_AGE_MS", skewVariable: "enrich's ENRICH_MAX_SKEW_MS" };

interface Connected {
  producer: Runtime.ReliableProducer;
  serde: Runtime.AvroSerde;
  runtime: typeof Runtime;
  topic: string;
}

/**
 * Produces Confluent-framed Avro RawEvents straight to the raw topic with the shared idempotent acks=all
 * producer (lz4-compressed batches). Each event gets its own result: a record the broker did not
 * acknowledge is retried on its own. @sluice/runtime (and node-rdkafka) load only when this transport is
 * used, so HTTP-only producers never load the native Kafka client.
 */
export class KafkaTransport implements Transport {
  readonly name = 'kafka' as const;
  private connecting: Promise<Connected> | null = null;
  private closed = false;
  readonly brokers: string[];

  constructor(
    private readonly target: KafkaTarget,
    private readonly options: { lingerMs: number; deliveryTimeoutMs: number },
  ) {
    this.brokers = (Array.isArray(target.brokers) ? target.brokers : String(target.brokers ?? '').split(',')).map((b) => b.trim()).filter(Boolean);
    if (this.brokers.length === 0) throw new Error('brokers: expected at least one Kafka bootstrap address (host:port)');
    try {
      new URL(target.registryUrl);
    } catch {
      throw new Error(`registryUrl: expected the URL of a Confluent-compatible schema registry, got ${JSON.stringify(target.registryUrl)}`);
    }
  }

  private connect(): Promise<Connected> {
    if (!this.connecting) {
      this.connecting = (async () => {
        const runtime = await import('@sluice/runtime');
        const serde = new runtime.AvroSerde(new runtime.RegistryClient(this.target.registryUrl), this.target.prefix ?? '');
        await serde.register(['raw']);
        const producer = new runtime.ReliableProducer({
          brokers: this.brokers,
          clientId: this.target.clientId ?? 'sluice-client',
          lingerMs: this.options.lingerMs,
          // librdkafka retries inside this window; the client's own retries come after it.
          deliveryTimeoutMs: Math.min(this.options.deliveryTimeoutMs, 30_000),
        });
        await producer.connect(15_000);
        return { producer, serde, runtime, topic: serde.naming.topic('raw') };
      })();
      this.connecting.catch(() => (this.connecting = null));
    }
    return this.connecting;
  }

  async send(batch: PreparedEvent[]): Promise<AttemptOutcome> {
    if (this.closed) return allOutcomes(batch.length, { status: 'failed', reason: 'the client is closed' });
    let c: Connected;
    try {
      c = await this.connect();
    } catch (err) {
      const status = (err as { status?: number }).status;
      // The registry refusing the schema (incompatible, forbidden) does not get better by retrying.
      if (status !== undefined && status >= 400 && status < 500) return allOutcomes(batch.length, { status: 'failed', reason: (err as Error).message });
      return allOutcomes(batch.length, { status: 'retry', reason: (err as Error).message });
    }
    const outcomes: EventOutcome[] = new Array(batch.length);
    const sends: Array<Promise<void>> = [];
    const receivedAt = Date.now();
    for (let i = 0; i < batch.length; i++) {
      const raw = toRawEvent(batch[i].event, receivedAt);
      if ('problems' in raw) {
        outcomes[i] = { status: 'rejected', reasons: raw.problems };
        continue;
      }
      const type = c.serde.typeOf('raw');
      let problems = type.isValid(raw.event) ? [] : c.runtime.validationProblems(type, raw.event).map((p) => p.replace(/^field "([^"]*)": /, '$1: '));
      if (problems.length === 0) problems = [...undeclaredFields(type, raw.event), ...contractProblems(raw.event)];
      if (problems.length) {
        outcomes[i] = { status: 'rejected', reasons: problems };
        continue;
      }
      let value: Buffer;
      try {
        value = c.serde.encode('raw', raw.event);
      } catch (err) {
        outcomes[i] = { status: 'rejected', reasons: (err as { problems?: string[] }).problems ?? [(err as Error).message] };
        continue;
      }
      sends.push(
        c.producer.send([{ topic: c.topic, key: eventKey(raw.event), value, timestamp: receivedAt }]).then(
          () => void (outcomes[i] = { status: 'accepted' }),
          (err: Error) => void (outcomes[i] = { status: 'retry', reason: err.message }),
        ),
      );
    }
    await Promise.all(sends);
    return { events: outcomes };
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = await this.connecting?.catch(() => null);
    if (c) await c.producer.disconnect();
  }
}
