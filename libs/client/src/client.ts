import { Batcher, DEFAULT_BATCH_LIMITS, type BatchLimits } from './batch';
import { ulidFactory } from './ids/ulid';
import { ConcurrencyLimit, DEFAULT_BACKOFF, DEFAULT_RETRY_BUDGET, RetryBudget, retryDelayMs, type BackoffOptions } from './retry';
import { ConfirmationListener, type ConfirmationStats, type EventConfirmation } from './confirmations';
import { DEFAULT_COMPRESSION, HttpTransport } from './transport/http';
import { KafkaTransport } from './transport/kafka';
import type { AttemptOutcome, EventOutcome, PreparedEvent, Transport } from './transport/types';
import type { ClientOptions, ClientTarget, EventInput, KafkaTarget, SendResult } from './types';
import { consumeAlerts, type AlertStream, type AlertStreamOptions } from './alerts';

/** waitForConfirmation on a client that cannot hear confirmations (no notifyUrl, or the Kafka transport). */
export class ConfirmationsUnavailable extends Error {
  constructor(reason: string) {
    super(
      `waitForConfirmation needs notify's confirmations socket: ${reason}. ` +
        'Without it a send result of "accepted" means the event is in the raw topic (acknowledged by Kafka with acks=all), not yet persisted.',
    );
    this.name = 'ConfirmationsUnavailable';
  }
}

export interface WaitOptions {
  /** How long to wait for every id (default 30,000 ms). */
  timeoutMs?: number;
}

export interface ClientStats {
  /** Events handed to send() and not yet settled. */
  queued: number;
  accepted: number;
  rejected: number;
  failed: number;
  /** Requests (HTTP) or produce batches (Kafka), first attempts and retries. */
  requests: number;
  retries: number;
  /** Requests answered 429/503. */
  throttled: number;
  /** Requests the server found too large and the client split. */
  splits: number;
}

export interface SluiceClient {
  readonly transport: 'http' | 'kafka';
  /** Sends one event (batched with others); resolves with its result, never rejects for a delivery problem. */
  send(event: EventInput): Promise<SendResult>;
  /** send() for each event; results in the same order. */
  sendAll(events: EventInput[]): Promise<SendResult[]>;
  /** Sends what is waiting in the current batch now and resolves when every event sent so far is settled. */
  flush(): Promise<void>;
  /** flush(), then releases the transport. send() after close() throws. */
  close(): Promise<void>;
  /**
   * Resolves when persist has committed every one of the events (one confirmation per id, in the order
   * given), as notify reports it on its confirmations socket. Rejects with ConfirmationTimeout naming
   * the ids still missing after `timeoutMs`, ConfirmationsRefused when notify refuses the API key, or
   * ConfirmationsUnavailable when the client has no notifyUrl (or sends straight to Kafka). A
   * confirmation that arrived before the call counts (the client remembers recent ones).
   */
  waitForConfirmation(ids: string | string[], options?: WaitOptions | number): Promise<EventConfirmation[]>;
  /**
   * Alerts from the alert topic, decoded (Kafka clients reuse their brokers, registry and prefix; HTTP
   * clients pass them in `options`). See consumeAlerts.
   */
  alerts(options: Partial<AlertStreamOptions> & { groupId: string }): AlertStream;
  /** Counters; `http` says how many bodies were gzipped and the bytes saved, `confirmations` how the socket is doing. */
  stats(): ClientStats & { confirmations?: ConfirmationStats; http?: { bodies: number; gzipped: number; bytes: number; wireBytes: number } };
}

interface Pending {
  prepared: PreparedEvent;
  attempts: number;
  settled: boolean;
  resolve: (r: SendResult) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Turns the caller's event into what goes on the wire; the id is fixed here, before any attempt. */
export function prepareEvent(input: EventInput, newId: () => string): PreparedEvent | { id: string; problems: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { id: newId(), problems: [`event: expected a RawEvent object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`] };
  }
  const given = (input as { id?: unknown }).id;
  const id = given === undefined || given === null ? newId() : given;
  if (typeof id !== 'string') return { id: String(id), problems: [`id: expected a string of 1 to 128 characters (the idempotency key), got ${typeof id}`] };
  const occurredAt = input.occurredAt instanceof Date ? input.occurredAt.getTime() : input.occurredAt;
  const event = { ...input, id, occurredAt };
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    return { id, problems: [`event: cannot be written as JSON: ${(err as Error).message}`] };
  }
  return { id, event, json, bytes: Buffer.byteLength(json) };
}

export class Client implements SluiceClient {
  readonly transport: 'http' | 'kafka';
  private readonly wire: Transport;
  private readonly batcher: Batcher<Pending>;
  private readonly newId: () => string;
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly budget: RetryBudget;
  private readonly concurrency: ConcurrencyLimit;
  private readonly maxAttempts: number;
  private readonly deliveryTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly deliveries = new Set<Promise<void>>();
  private readonly slotWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<() => void> = [];
  private inFlight = 0;
  /** No request leaves before this time: the server's Retry-After applies to the whole client. */
  private notBefore = 0;
  private closed = false;
  private readonly confirmations: ConfirmationListener | null = null;
  private readonly counters: ClientStats = { queued: 0, accepted: 0, rejected: 0, failed: 0, requests: 0, retries: 0, throttled: 0, splits: 0 };

  /** `wire` replaces the transport the target names (tests drive the delivery loop with a scripted one). */
  constructor(
    private readonly target: ClientTarget,
    options: ClientOptions = {},
    wire?: Transport,
  ) {
    const limits: BatchLimits = {
      maxEvents: options.maxBatchEvents ?? DEFAULT_BATCH_LIMITS.maxEvents,
      maxBytes: options.maxBatchBytes ?? DEFAULT_BATCH_LIMITS.maxBytes,
      lingerMs: options.lingerMs ?? DEFAULT_BATCH_LIMITS.lingerMs,
    };
    this.newId = options.newId ?? ulidFactory();
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.budget = new RetryBudget({ ...DEFAULT_RETRY_BUDGET, ...options.retryBudget });
    this.concurrency = new ConcurrencyLimit(options.maxInFlight ?? 4);
    this.maxAttempts = options.maxAttempts ?? 12;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 300_000;
    this.maxQueued = options.maxQueuedEvents ?? 100_000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new Error(`maxAttempts: expected an integer of at least 1, got ${this.maxAttempts}`);
    if (!(this.deliveryTimeoutMs > 0)) throw new Error(`deliveryTimeoutMs: expected a positive number of milliseconds, got ${this.deliveryTimeoutMs}`);
    if (wire) {
      this.wire = wire;
    } else if (target?.transport === 'http') {
      this.wire = new HttpTransport(target, options.requestTimeoutMs ?? 30_000, {
        encoding: options.compression ?? DEFAULT_COMPRESSION.encoding,
        aboveBytes: options.compressAboveBytes ?? DEFAULT_COMPRESSION.aboveBytes,
      });
    } else if (target?.transport === 'kafka') {
      this.wire = new KafkaTransport(target, { lingerMs: Math.min(limits.lingerMs, 50), deliveryTimeoutMs: this.deliveryTimeoutMs });
    } else {
      throw new Error(`transport: expected "http" (with url and apiKey) or "kafka" (with brokers and registryUrl), got ${JSON.stringify((target as { transport?: unknown })?.transport)}`);
    }
    this.transport = this.wire.name;
    if (target?.transport === 'http' && target.notifyUrl) {
      this.confirmations = new ConfirmationListener({ url: target.notifyUrl, apiKey: target.apiKey, apiKeyHeader: target.apiKeyHeader, remember: options.rememberConfirmations });
    }
    this.batcher = new Batcher<Pending>(limits, (p) => p.prepared.bytes, (batch) => this.track(this.deliver(batch)));
  }

  async send(event: EventInput): Promise<SendResult> {
    if (this.closed) throw new Error('send() after close(): create a new client');
    while (this.counters.queued >= this.maxQueued) await new Promise<void>((r) => this.roomWaiters.push(r));
    const prepared = prepareEvent(event, this.newId);
    if ('problems' in prepared) {
      this.counters.rejected++;
      return { status: 'rejected', id: prepared.id, reasons: prepared.problems, attempts: 0 };
    }
    this.counters.queued++;
    // Listen from the first send, so confirmations that come before anyone waits are remembered.
    if (this.confirmations) void this.confirmations.open().catch(() => undefined);
    return new Promise<SendResult>((resolve) => this.batcher.add({ prepared, attempts: 0, settled: false, resolve }));
  }

  sendAll(events: EventInput[]): Promise<SendResult[]> {
    return Promise.all(events.map((e) => this.send(e)));
  }

  async flush(): Promise<void> {
    this.batcher.flush();
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.wire.close();
    await this.confirmations?.close();
  }

  waitForConfirmation(ids: string | string[], options: WaitOptions | number = {}): Promise<EventConfirmation[]> {
    const timeoutMs = typeof options === 'number' ? options : (options.timeoutMs ?? 30_000);
    const list = typeof ids === 'string' ? [ids] : ids;
    if (!Array.isArray(list) || list.some((id) => typeof id !== 'string')) return Promise.reject(new Error('ids: expected an event id or an array of event ids (strings)'));
    if (!this.confirmations) {
      return Promise.reject(
        new ConfirmationsUnavailable(this.transport === 'kafka' ? 'events sent straight to Kafka carry no producer, so nobody is told about them' : 'set notifyUrl on the HTTP target'),
      );
    }
    return this.confirmations.wait(list, timeoutMs);
  }

  alerts(options: Partial<AlertStreamOptions> & { groupId: string }): AlertStream {
    const k = this.target.transport === 'kafka' ? (this.target as KafkaTarget) : undefined;
    const brokers = options.brokers ?? k?.brokers;
    const registryUrl = options.registryUrl ?? k?.registryUrl;
    if (!brokers || !registryUrl) throw new Error('alerts(): an HTTP client needs brokers and registryUrl in the options (alerts are read from Kafka)');
    return consumeAlerts({ ...options, brokers, registryUrl, prefix: options.prefix ?? k?.prefix });
  }

  stats(): ClientStats & { confirmations?: ConfirmationStats; http?: HttpTransport['sent'] } {
    return {
      ...this.counters,
      ...(this.confirmations ? { confirmations: this.confirmations.stats() } : {}),
      ...(this.wire instanceof HttpTransport ? { http: { ...this.wire.sent } } : {}),
    };
  }

  private track(p: Promise<void>): void {
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  private settle(p: Pending, result: SendResult): void {
    if (p.settled) return;
    p.settled = true;
    this.counters.queued--;
    this.counters[result.status]++;
    p.resolve(result);
    this.roomWaiters.shift()?.();
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.concurrency.limit) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    // Wake every waiter: the limit may have grown by more than one; the losers wait again.
    for (const w of this.slotWaiters.splice(0)) w();
  }

  /** Sends one batch until every event in it is settled. Never throws. */
  private async deliver(batch: Pending[]): Promise<void> {
    const started = Date.now();
    let todo = batch;
    let retry = 0;
    try {
      while (todo.length > 0) {
        const wait = this.notBefore - Date.now();
        if (wait > 0) await sleep(wait);
        await this.acquire();
        let outcome: AttemptOutcome;
        try {
          if (retry === 0) this.budget.deposit();
          this.counters.requests++;
          for (const p of todo) p.attempts++;
          outcome = await this.wire.send(todo.map((p) => p.prepared));
        } finally {
          this.release();
        }

        if (outcome.split !== undefined && todo.length > 1) {
          // Too large for the server as a whole: each half goes again at once (nothing is overloaded).
          this.counters.splits++;
          const half = Math.ceil(todo.length / 2);
          await Promise.all([this.deliver(todo.slice(0, half)), this.deliver(todo.slice(half))]);
          return;
        }
        if (outcome.overloaded) {
          this.counters.throttled++;
          this.concurrency.onOverload();
          if (outcome.retryAfterMs !== undefined) this.notBefore = Math.max(this.notBefore, Date.now() + outcome.retryAfterMs);
        }

        const again: Pending[] = [];
        let why = '';
        for (let i = 0; i < todo.length; i++) {
          const p = todo[i];
          const o: EventOutcome = outcome.events[i];
          if (o.status === 'retry') {
            again.push(p);
            why ||= o.reason;
          } else this.settle(p, this.resultOf(p, o));
        }
        if (again.length === 0) {
          if (!outcome.overloaded) this.concurrency.onSuccess();
          return;
        }

        const delay = retryDelayMs(retry, outcome.retryAfterMs, this.backoff, this.random);
        let refusal: string | undefined;
        if (again[0].attempts >= this.maxAttempts) refusal = `gave up after ${again[0].attempts} attempts`;
        else if (Date.now() + delay - started > this.deliveryTimeoutMs) refusal = `the next attempt would pass deliveryTimeoutMs (${this.deliveryTimeoutMs} ms)`;
        else if (!this.budget.tryWithdraw()) refusal = 'the retry budget is spent (too many retries for the requests made; see retryBudget)';
        if (refusal) {
          for (const p of again) this.settle(p, { status: 'failed', id: p.prepared.id, error: `${refusal}; last error: ${why}`, attempts: p.attempts, retryable: true });
          return;
        }
        this.counters.retries++;
        retry++;
        await sleep(delay);
        todo = again;
      }
    } catch (err) {
      // A bug in the client itself: settle what is left rather than leave callers waiting forever.
      for (const p of batch) this.settle(p, { status: 'failed', id: p.prepared.id, error: `client error: ${(err as Error).message}`, attempts: p.attempts, retryable: false });
    }
  }

  private resultOf(p: Pending, o: Exclude<EventOutcome, { status: 'retry' }>): SendResult {
    const id = p.prepared.id;
    if (o.status === 'accepted') return { status: 'accepted', id, attempts: p.attempts };
    if (o.status === 'rejected') return { status: 'rejected', id, reasons: o.reasons, attempts: p.attempts };
    return { status: 'failed', id, error: o.reason, attempts: p.attempts, retryable: false };
  }
}

/**
 * A producer client with one call for both transports:
 *
 *   const client = createClient({ transport: 'http', url: 'http://127.0.0.1:8080', apiKey });
 *   const result = await client.send({ source: 'twitter', kind: 'POST', occurredAt: Date.now(), author: { id: '42' }, text: 'hello' });
 */
export function createClient(target: ClientTarget, options: ClientOptions = {}): SluiceClient {
  return new Client(target, options);
}
