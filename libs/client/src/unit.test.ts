/** Pure logic of the client: ids, backoff, retry budget, batching, reading ingest's answers, the delivery loop. */
import { schemaType } from '@sluice/contracts';
import { Batcher, type Timers } from './batch';
import { Client, prepareEvent } from './client';
import { ULID_PATTERN, ulidFactory, ulidTime } from './ids/ulid';
import { ConcurrencyLimit, RetryBudget, fullJitterMs, parseRetryAfter, retryDelayMs } from './retry';
import { ConfirmationTimeout, RecentConfirmations, confirmationsUrl } from './confirmations';
import { interpretResponse, stripPosition } from './transport/http';
import { contractProblems, eventKey, toRawEvent, undeclaredFields } from './transport/kafka';
import type { AttemptOutcome, PreparedEvent, Transport } from './transport/types';
import type { EventInput } from './types';

const event = (over: Partial<EventInput> = {}): EventInput => ({ source: 'twitter', kind: 'POST', occurredAt: 1_714_564_800_000, author: { id: 'u1' }, text: 'hello', ...over });

describe('ulid', () => {
  it('makes 26-character Crockford ids that sort in creation order within one millisecond', () => {
    const make = ulidFactory(() => 1_714_564_800_000);
    const ids = Array.from({ length: 1000 }, make);
    for (const id of ids) expect(id).toMatch(ULID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ulidTime(ids[0])).toBe(1_714_564_800_000);
  });
});

describe('backoff', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 5000 };
  it('full jitter stays within [0, min(max, base·2^retry))', () => {
    for (let retry = 0; retry < 12; retry++) {
      const ceiling = Math.min(5000, 100 * 2 ** retry);
      expect(fullJitterMs(retry, opts, () => 0)).toBe(0);
      expect(fullJitterMs(retry, opts, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
    }
  });
  it('never waits less than the Retry-After the server gave', () => {
    for (const r of [0, 0.3, 0.99]) {
      expect(retryDelayMs(3, 2000, opts, () => r)).toBeGreaterThanOrEqual(2000);
      expect(retryDelayMs(3, 2000, opts, () => r)).toBeLessThan(2000 + 800);
    }
    expect(retryDelayMs(0, undefined, opts, () => 0.5)).toBe(50);
    // The spread above a Retry-After grows with the retries but never past the Retry-After itself.
    expect(retryDelayMs(10, 500, opts, () => 0.999)).toBeLessThan(1000);
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('retry budget', () => {
  it('allows retries up to its capacity, then only what requests and time earn', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 2, capacity: 3 }, () => now);
    expect([budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw()]).toEqual([true, true, true, false]);
    budget.deposit(2); // two first attempts earn one retry
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    now += 500; // half a second earns one at 2/s
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    now += 60_000;
    expect(budget.available).toBe(3);
  });
  it('names a bad option', () => {
    expect(() => new RetryBudget({ ratio: -1, minPerSecond: 1, capacity: 10 })).toThrow(/ratio >= 0/);
  });
});

describe('concurrency limit', () => {
  it('halves on overload down to one and grows by one per success', () => {
    const c = new ConcurrencyLimit(8);
    c.onOverload();
    expect(c.limit).toBe(4);
    c.onOverload();
    c.onOverload();
    c.onOverload();
    expect(c.limit).toBe(1);
    c.onSuccess();
    expect(c.limit).toBe(2);
    for (let i = 0; i < 20; i++) c.onSuccess();
    expect(c.limit).toBe(8);
  });
});

/** Timers driven by the test: run() fires what is due. */
function manualTimers() {
  let now = 0;
  const due: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  const timers: Timers = {
    set: (fn, ms) => {
      const t = { at: now + ms, fn, id: next++ };
      due.push(t);
      return t.id;
    },
    clear: (id) => {
      const i = due.findIndex((t) => t.id === id);
      if (i >= 0) due.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of due.filter((x) => x.at <= now)) {
      due.splice(due.indexOf(t), 1);
      t.fn();
    }
  };
  return { timers, advance, pending: () => due.length };
}

describe('batcher', () => {
  it('sends a batch when it is full by count', () => {
    const out: number[][] = [];
    const t = manualTimers();
    const b = new Batcher<number>({ maxEvents: 3, maxBytes: 1000, lingerMs: 50 }, () => 1, (x) => out.push(x), t.timers);
    for (let i = 0; i < 7; i++) b.add(i);
    expect(out).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(b.pending).toBe(1);
    t.advance(49);
    expect(out).toHaveLength(2);
    t.advance(1);
    expect(out).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(t.pending()).toBe(0);
  });
  it('starts a new batch before one would pass its byte bound; a lone oversized item travels alone', () => {
    const out: number[][] = [];
    const t = manualTimers();
    const b = new Batcher<number>({ maxEvents: 100, maxBytes: 100, lingerMs: 10 }, (n) => n, (x) => out.push(x), t.timers);
    b.add(40);
    b.add(40);
    b.add(40); // 120 > 100: the first two leave
    expect(out).toEqual([[40, 40]]);
    b.add(500); // oversized: 40 leaves, then 500 alone (it reaches the bound by itself)
    expect(out).toEqual([[40, 40], [40], [500]]);
    b.add(60);
    b.add(40); // exactly 100: full
    expect(out).toEqual([[40, 40], [40], [500], [60, 40]]);
  });
  it('sends after lingerMs when traffic is light, and flush() sends at once', () => {
    const out: string[][] = [];
    const t = manualTimers();
    const b = new Batcher<string>({ maxEvents: 10, maxBytes: 1000, lingerMs: 20 }, () => 1, (x) => out.push(x), t.timers);
    b.add('a');
    t.advance(10);
    b.add('b'); // the linger runs from the batch's first item
    t.advance(10);
    expect(out).toEqual([['a', 'b']]);
    b.add('c');
    b.flush();
    expect(out).toEqual([['a', 'b'], ['c']]);
    expect(t.pending()).toBe(0);
  });
  it('refuses nonsense limits by name', () => {
    expect(() => new Batcher({ maxEvents: 0, maxBytes: 10, lingerMs: 0 }, () => 1, () => undefined)).toThrow(/maxBatchEvents/);
  });
});

describe("reading ingest's answers", () => {
  it('maps per-event results and strips the batch position from reasons', () => {
    const body = JSON.stringify({
      accepted: 1,
      rejected: 1,
      results: [
        { status: 'accepted', id: 'a' },
        { status: 'rejected', reasons: ['events[1].author.id: expected string, got nothing', 'events[1]: expected a RawEvent object, got 3'] },
      ],
    });
    const o = interpretResponse(207, null, body, 2);
    expect(o.events).toEqual([{ status: 'accepted' }, { status: 'rejected', reasons: ['author.id: expected string, got nothing', 'expected a RawEvent object, got 3'] }]);
    expect(stripPosition('events[12].kind: expected one of POST')).toBe('kind: expected one of POST');
  });
  it('retries 429 and 503 with the Retry-After, and marks the server overloaded', () => {
    const o = interpretResponse(429, '2', JSON.stringify({ error: 'rate limited', reason: 'API key acme may send 5 events/s' }), 3);
    expect(o.overloaded).toBe(true);
    expect(o.retryAfterMs).toBe(2000);
    expect(o.events).toEqual(Array(3).fill({ status: 'retry', reason: 'ingest answered 429 rate limited: API key acme may send 5 events/s' }));
    expect(interpretResponse(503, '5', '{"error":"kafka unavailable"}', 1).events[0].status).toBe('retry');
    expect(interpretResponse(502, null, 'bad gateway', 1).events[0].status).toBe('retry');
  });
  it('splits a batch ingest finds too large; rejects a single event that is', () => {
    expect(interpretResponse(413, null, '{"error":"too many events","reason":"at most 20"}', 40).split).toMatch(/too many events/);
    expect(interpretResponse(413, null, '{"error":"payload too large","reason":"request body is 9000 bytes"}', 1).events).toEqual([
      { status: 'rejected', reasons: ['request body is 9000 bytes'] },
    ]);
  });
  it('fails without retrying when credentials are refused', () => {
    expect(interpretResponse(401, null, '{"error":"unauthenticated","reason":"no API key"}', 2).events[0]).toEqual({ status: 'failed', reason: 'ingest answered 401 unauthenticated: no API key' });
    expect(interpretResponse(403, null, '{"error":"forbidden"}', 1).events[0].status).toBe('failed');
  });
});

describe('preparing events', () => {
  it('fixes a ULID id before any attempt and keeps a given id as the idempotency key', () => {
    const p = prepareEvent(event(), ulidFactory());
    expect('problems' in p).toBe(false);
    if ('problems' in p) return;
    expect(p.id).toMatch(ULID_PATTERN);
    expect(JSON.parse(p.json).id).toBe(p.id);
    const q = prepareEvent(event({ id: 'mine-1', occurredAt: new Date(5000) }), ulidFactory());
    expect(q.id).toBe('mine-1');
    expect(JSON.parse((q as PreparedEvent).json).occurredAt).toBe(5000);
  });
  it('fills schema defaults for a direct Kafka record, which then validates against RawEvent', () => {
    const p = prepareEvent(event({ occurredAt: '2024-05-01T12:00:00Z' }), () => 'id-1') as PreparedEvent;
    const r = toRawEvent(p.event, 1_714_564_801_000);
    expect('event' in r).toBe(true);
    if (!('event' in r)) return;
    expect(r.event.occurredAt).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(r.event.producer).toBeNull();
    expect(schemaType('RawEvent').isValid(r.event)).toBe(true);
    expect(eventKey(r.event)).toBe('twitter:u1');
    expect(toRawEvent({ ...p.event, occurredAt: 'yesterday' }, 0)).toEqual({ problems: [expect.stringMatching(/^occurredAt: expected epoch milliseconds/)] });
  });
  it('names undeclared fields and contract problems the schema cannot express', () => {
    const p = prepareEvent({ ...event(), source: 'Twitter X', author: { id: 'u1', folowers: 3 } } as unknown as EventInput, () => 'id-1') as PreparedEvent;
    const r = toRawEvent(p.event, 1_714_564_800_000 + 1000) as { event: Parameters<typeof contractProblems>[0] };
    expect(undeclaredFields(schemaType('RawEvent'), r.event)).toEqual([expect.stringMatching(/^author\.folowers: is not a field of Author/)]);
    expect(contractProblems(r.event)).toEqual([expect.stringMatching(/^source: expected a lower-case token/)]);
  });
  it("refuses an occurredAt enrich would dead-letter: outside its window around the time the event is sent", () => {
    const sentAt = 1_714_564_800_000;
    const at = (occurredAt: number) => contractProblems((toRawEvent((prepareEvent(event({ occurredAt }), () => 'id-1') as PreparedEvent).event, sentAt) as { event: Parameters<typeof contractProblems>[0] }).event);
    expect(at(sentAt - 30 * 86_400_000)).toEqual([]);
    expect(at(sentAt - 31 * 86_400_000)).toEqual([
      "occurredAt: 2024-03-31T12:00:00.000Z is 31 d before the time it was sent 2024-05-01T12:00:00.000Z; expected at most 30 d old (enrich's ENRICH_MAX_AGE_MS)",
    ]);
    expect(at(sentAt + 600_000)).toEqual([expect.stringMatching(/is 10 min after the time it was sent .*; expected at most 5 min in the future \(enrich's ENRICH_MAX_SKEW_MS\)$/)]);
  });
});

/** A transport that answers from a script, one entry per attempt (our own interface; no Kafka or HTTP is faked). */
class ScriptedTransport implements Transport {
  readonly name = 'http' as const;
  readonly attempts: string[][] = [];
  constructor(private readonly script: Array<(batch: PreparedEvent[]) => AttemptOutcome>) {}
  async send(batch: PreparedEvent[]): Promise<AttemptOutcome> {
    this.attempts.push(batch.map((p) => p.id));
    const step = this.script[Math.min(this.attempts.length - 1, this.script.length - 1)];
    return step(batch);
  }
  async close(): Promise<void> {}
}

const fast = { lingerMs: 0, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, random: () => 0.5 };
const accept = (b: PreparedEvent[]): AttemptOutcome => ({ events: b.map(() => ({ status: 'accepted' as const })) });
const throttle = (ms: number) => (b: PreparedEvent[]): AttemptOutcome => ({ events: b.map(() => ({ status: 'retry' as const, reason: 'ingest answered 429' })), retryAfterMs: ms, overloaded: true });

describe('delivery loop', () => {
  const target = { transport: 'http' as const, url: 'http://127.0.0.1:1', apiKey: 'k' };

  it('retries a throttled batch with the same ids, waiting at least Retry-After', async () => {
    const wire = new ScriptedTransport([throttle(30), throttle(30), accept]);
    const client = new Client(target, fast, wire);
    const started = Date.now();
    const results = await client.sendAll([event(), event(), event({ id: 'given' })]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(results.map((r) => r.attempts)).toEqual([3, 3, 3]);
    expect(wire.attempts).toHaveLength(3);
    expect(wire.attempts[1]).toEqual(wire.attempts[0]);
    expect(wire.attempts[2]).toEqual(wire.attempts[0]);
    expect(wire.attempts[0][2]).toBe('given');
    expect(client.stats()).toMatchObject({ accepted: 3, retries: 2, throttled: 2, queued: 0 });
    await client.close();
  });

  it('returns rejections at once and retries only the events that need it', async () => {
    const wire = new ScriptedTransport([
      (b) => ({ events: [{ status: 'rejected', reasons: ['kind: expected one of POST, …'] }, { status: 'retry', reason: 'broker timeout' }, { status: 'accepted' }].slice(0, b.length) }),
      accept,
    ]);
    const client = new Client(target, fast, wire);
    const results = await client.sendAll([event(), event(), event()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'accepted', 'accepted']);
    expect(results[0]).toMatchObject({ reasons: ['kind: expected one of POST, …'], attempts: 1 });
    expect(wire.attempts[1]).toEqual([wire.attempts[0][1]]);
    await client.close();
  });

  it('gives up after maxAttempts with the last error', async () => {
    const wire = new ScriptedTransport([throttle(1)]);
    const client = new Client(target, { ...fast, maxAttempts: 3 }, wire);
    const r = await client.send(event());
    expect(r).toMatchObject({ status: 'failed', attempts: 3, retryable: true, error: expect.stringMatching(/gave up after 3 attempts; last error: ingest answered 429/) });
    await client.close();
  });

  it('stops retrying when the retry budget is spent', async () => {
    const wire = new ScriptedTransport([throttle(1)]);
    const client = new Client(target, { ...fast, maxAttempts: 100, retryBudget: { capacity: 2, ratio: 0, minPerSecond: 0 } }, wire);
    const r = await client.send(event());
    expect(r).toMatchObject({ status: 'failed', attempts: 3, error: expect.stringMatching(/retry budget is spent/) });
    await client.close();
  });

  it('splits a batch the server finds too large until the parts fit', async () => {
    const wire = new ScriptedTransport([
      (b) => (b.length > 2 ? { events: b.map(() => ({ status: 'retry' as const, reason: '413' })), split: 'ingest answered 413 too many events' } : accept(b)),
    ]);
    const client = new Client(target, { ...fast, maxBatchEvents: 8 }, wire);
    const results = await client.sendAll(Array.from({ length: 8 }, () => event()));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(wire.attempts.filter((a) => a.length <= 2).flat().sort()).toEqual(results.map((r) => r.id).sort());
    expect(client.stats().splits).toBe(3);
    await client.close();
  });

  it('holds new batches back while the server asked to wait (Retry-After applies to the whole client)', async () => {
    const calls: Array<{ at: number; ids: string[] }> = [];
    let first = true;
    const wire: Transport = {
      name: 'http',
      async send(b) {
        calls.push({ at: Date.now(), ids: b.map((p) => p.id) });
        if (first) {
          first = false;
          return throttle(80)(b);
        }
        return accept(b);
      },
      async close() {},
    };
    const client = new Client(target, { ...fast, maxBatchEvents: 1 }, wire);
    const one = client.send(event({ id: 'first' }));
    await new Promise((r) => setTimeout(r, 10)); // the first answer (429, Retry-After 80 ms) is in
    const two = client.send(event({ id: 'second' }));
    expect((await Promise.all([one, two])).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    const second = calls.find((c) => c.ids[0] === 'second')!;
    expect(second.at - calls[0].at).toBeGreaterThanOrEqual(75);
    await client.close();
  });

  it('rejects what cannot be sent at all without an attempt, and refuses send() after close()', async () => {
    const client = new Client(target, fast, new ScriptedTransport([accept]));
    const r = await client.send(null as unknown as EventInput);
    expect(r).toMatchObject({ status: 'rejected', attempts: 0, reasons: ['event: expected a RawEvent object, got null'] });
    await client.close();
    await expect(client.send(event())).rejects.toThrow(/after close/);
    await expect(client.waitForConfirmation('x', 10)).rejects.toThrow(/set notifyUrl on the HTTP target/);
  });
});

describe('confirmations (pure parts)', () => {
  it("derives notify's confirmations socket from the base URL", () => {
    expect(confirmationsUrl('http://127.0.0.1:8083')).toBe('ws://127.0.0.1:8083/v1/confirmations');
    expect(confirmationsUrl('https://notify.example.org/sluice/')).toBe('wss://notify.example.org/sluice/v1/confirmations');
    expect(confirmationsUrl('ws://h:1/v1/confirmations?x=1')).toBe('ws://h:1/v1/confirmations');
    expect(() => confirmationsUrl('notify:8083')).toThrow(/notifyUrl: expected an http\(s\) or ws\(s\) URL/);
    expect(() => confirmationsUrl('nope')).toThrow(/notifyUrl: expected the absolute URL of notify/);
  });

  it('remembers a bounded number of confirmed ids, forgetting the oldest', () => {
    const r = new RecentConfirmations(3);
    for (const id of ['a', 'b', 'c', 'a', 'd']) r.add({ id, stage: 'persisted', committedAt: 1 });
    expect(r.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => Boolean(r.get(id)))).toEqual([false, true, true, true]);
    expect(() => new RecentConfirmations(0)).toThrow(/remember: expected an integer of at least 1/);
  });

  it('a timeout names the ids still missing', () => {
    const e = new ConfirmationTimeout(['x', 'y'], [{ id: 'z', stage: 'persisted', committedAt: 5 }], 250);
    expect(e.message).toBe('no confirmation within 250 ms for 2 of 3 events: x, y');
    expect(e.missing).toEqual(['x', 'y']);
  });

  it('waitForConfirmation without notifyUrl, or over Kafka, says what is missing', async () => {
    const http = new Client({ transport: 'http', url: 'http://127.0.0.1:1', apiKey: 'k' }, {}, new ScriptedTransport([]));
    await expect(http.waitForConfirmation(['a'], { timeoutMs: 10 })).rejects.toThrow(/set notifyUrl on the HTTP target/);
    await http.close();
  });
});
