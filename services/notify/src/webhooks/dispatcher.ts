import type { Logger } from '@sluice/runtime';
import { matchesFilter, type AlertFilter } from '../filter';
import type { Notification } from '../hub/types';
import { notifyMetrics } from '../metrics';
import { fullJitterDelay, isRetryableStatus, retryAfterMs } from './backoff';
import { ATTEMPT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from './signing';

export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
  filter: AlertFilter;
}

export interface WebhookPolicy {
  /** Attempts per alert and subscription (the retry budget), the first included. */
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** One HTTP attempt's time limit. */
  timeoutMs: number;
  /** Alerts waiting or retrying per subscription; an alert that finds the queue full is dead-lettered. */
  queueMax: number;
  /** HTTP requests in flight per subscription. */
  concurrency: number;
}

/** One alert to deliver to every matching subscription. */
export interface WebhookJob<S = unknown> {
  notification: Notification;
  /** Stable across retries and redeliveries of the same notification. */
  idempotencyKey: string;
  /** What the dead-letter record needs about the source record. */
  source: S;
}

export type WebhookOutcome = { kind: 'delivered'; attempts: number } | { kind: 'dead-lettered'; attempts: number; reason: string };

export interface WebhookSink<S> {
  /** Send the alert to the dead-letter topic; resolves once the broker has it. */
  deadLetter(job: WebhookJob<S>, subscription: WebhookSubscription, reason: string, attempts: number): Promise<void>;
  /** The job is finished for this subscription (delivered or dead-lettered). */
  settled(job: WebhookJob<S>, subscription: WebhookSubscription, outcome: WebhookOutcome): void;
}

interface Item<S> {
  job: WebhookJob<S>;
  body: string;
  attempt: number;
  lastError: string;
}

class SubscriptionState<S> {
  ready: Item<S>[] = [];
  retrying = new Set<NodeJS.Timeout>();
  active = 0;
  delivered = 0;
  failedAttempts = 0;
  deadLettered = 0;
  lastError: string | null = null;
  lastDeliveredAt: number | null = null;

  constructor(readonly sub: WebhookSubscription) {}

  /** Waiting, retrying or in flight: what counts against the queue bound. */
  get outstanding(): number {
    return this.ready.length + this.retrying.size + this.active;
  }
}

export interface WebhookStatus {
  id: string;
  url: string;
  filter: AlertFilter;
  queued: number;
  inFlight: number;
  delivered: number;
  failedAttempts: number;
  deadLettered: number;
  lastError: string | null;
  lastDeliveredAt: number | null;
}

export function webhookBody(n: Notification, idempotencyKey: string, topic: string): string {
  return JSON.stringify({
    type: 'alert',
    id: n.id,
    idempotencyKey,
    status: n.status,
    resurfaced: n.status === 'resurfaced',
    position: { topic, partition: n.partition, offset: n.offset },
    timestamp: n.timestamp,
    alert: n.alert,
  });
}

/**
 * Delivers alerts to webhook subscriptions. Each subscription has its own bounded queue and its own
 * requests in flight, so a slow or failing endpoint only ever delays itself: offer() never waits, and
 * an alert that finds a subscription's queue full is dead-lettered with that reason rather than
 * holding up the consumer loop. Failed attempts are retried with exponential backoff and full jitter
 * (a Retry-After header stretches the wait) until the retry budget is spent; then the alert goes to
 * the dead-letter topic with the last error.
 */
export class WebhookDispatcher<S> {
  private readonly states: SubscriptionState<S>[];
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    subscriptions: WebhookSubscription[],
    private readonly policy: WebhookPolicy,
    private readonly sink: WebhookSink<S>,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {
    this.states = subscriptions.map((s) => new SubscriptionState<S>(s));
  }

  get subscriptions(): WebhookSubscription[] {
    return this.states.map((s) => s.sub);
  }

  /** Subscriptions whose filter admits the notification. */
  matching(n: Notification): WebhookSubscription[] {
    return this.states.filter((s) => matchesFilter(s.sub.filter, n.alert)).map((s) => s.sub);
  }

  /** Queue the job for every matching subscription; returns how many it was queued for (or dead-lettered). */
  offer(job: WebhookJob<S>): number {
    const targets = this.states.filter((s) => matchesFilter(s.sub.filter, job.notification.alert));
    if (targets.length === 0) return 0;
    const body = webhookBody(job.notification, job.idempotencyKey, this.topic);
    for (const st of targets) {
      if (st.outstanding >= this.policy.queueMax) {
        const reason = `webhook "${st.sub.id}" (${st.sub.url}) queue is full (${this.policy.queueMax} alerts waiting or retrying): the endpoint is too slow or down`;
        void this.giveUp(st, { job, body, attempt: 0, lastError: reason }, reason, 'queue_full');
        continue;
      }
      st.ready.push({ job, body, attempt: 0, lastError: '' });
      this.pump(st);
    }
    return targets.length;
  }

  status(): WebhookStatus[] {
    return this.states.map((s) => ({
      id: s.sub.id,
      url: s.sub.url,
      filter: s.sub.filter,
      queued: s.ready.length + s.retrying.size,
      inFlight: s.active,
      delivered: s.delivered,
      failedAttempts: s.failedAttempts,
      deadLettered: s.deadLettered,
      lastError: s.lastError,
      lastDeliveredAt: s.lastDeliveredAt,
    }));
  }

  outstanding(): number {
    return this.states.reduce((n, s) => n + s.outstanding, 0);
  }

  /** Waits until nothing is outstanding or the timeout passes; true when everything settled. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.outstanding() === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    return done;
  }

  /** Stops retrying; unsettled alerts stay unsettled (their webhook progress is not committed, so they are redone). */
  close(): void {
    this.closed = true;
    for (const st of this.states) {
      for (const t of st.retrying) clearTimeout(t);
      st.retrying.clear();
      st.ready = [];
    }
  }

  private pump(st: SubscriptionState<S>): void {
    while (!this.closed && st.active < this.policy.concurrency && st.ready.length > 0) {
      const item = st.ready.shift()!;
      st.active++;
      void this.attempt(st, item).finally(() => {
        st.active--;
        this.pump(st);
        this.notifyIdle();
      });
    }
    this.updateGauge(st);
  }

  private updateGauge(st: SubscriptionState<S>): void {
    notifyMetrics.webhookQueued.set({ subscription: st.sub.id }, st.outstanding);
  }

  private notifyIdle(): void {
    if (this.outstanding() !== 0) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  private async attempt(st: SubscriptionState<S>, item: Item<S>): Promise<void> {
    item.attempt++;
    const { sub } = st;
    const timestamp = Math.floor(Date.now() / 1000);
    let status = 0;
    let retryAfter: number | null = null;
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        body: item.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.policy.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sluice-notify',
          [SIGNATURE_HEADER]: signPayload(sub.secret, timestamp, item.body),
          [TIMESTAMP_HEADER]: String(timestamp),
          [IDEMPOTENCY_HEADER]: item.job.idempotencyKey,
          [ATTEMPT_HEADER]: String(item.attempt),
          'x-sluice-subscription': sub.id,
        },
      });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'));
      const text = await res.text().catch(() => '');
      if (status >= 200 && status < 300) {
        st.delivered++;
        st.lastDeliveredAt = Date.now();
        notifyMetrics.webhookAttempts.inc({ subscription: sub.id, outcome: 'delivered' });
        notifyMetrics.webhookDelivered.inc({ subscription: sub.id });
        this.sink.settled(item.job, sub, { kind: 'delivered', attempts: item.attempt });
        return;
      }
      item.lastError = `HTTP ${status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      item.lastError =
        err.name === 'TimeoutError' ? `no answer within ${this.policy.timeoutMs} ms` : err.cause?.code ? `${err.cause.code} (${err.cause.message ?? err.message})` : err.message;
    }
    st.failedAttempts++;
    st.lastError = item.lastError;
    notifyMetrics.webhookAttempts.inc({ subscription: sub.id, outcome: status ? `http_${status}` : 'error' });
    if (status && !isRetryableStatus(status)) {
      await this.giveUp(st, item, `webhook "${sub.id}" (${sub.url}) refused the alert: ${item.lastError}`, 'refused');
      return;
    }
    if (item.attempt >= this.policy.maxAttempts) {
      await this.giveUp(st, item, `webhook "${sub.id}" (${sub.url}) failed ${item.attempt} attempts (retry budget spent); last error: ${item.lastError}`, 'retries_exhausted');
      return;
    }
    if (this.closed) return;
    const wait = Math.min(this.policy.backoffMaxMs, Math.max(fullJitterDelay(item.attempt, this.policy.backoffMs, this.policy.backoffMaxMs), retryAfter ?? 0));
    this.logger.debug({ subscription: sub.id, attempt: item.attempt, waitMs: wait, err: item.lastError }, 'webhook attempt failed; retrying');
    const timer = setTimeout(() => {
      st.retrying.delete(timer);
      st.ready.push(item);
      this.pump(st);
    }, wait);
    st.retrying.add(timer);
  }

  private async giveUp(st: SubscriptionState<S>, item: Item<S>, reason: string, label: string): Promise<void> {
    this.logger.warn({ subscription: st.sub.id, alert: item.job.notification.id, attempts: item.attempt, reason }, 'webhook gave up; dead-lettering the alert');
    st.active++; // the dead-letter write counts as outstanding until the broker has it
    try {
      await this.sink.deadLetter(item.job, st.sub, reason, item.attempt);
      st.deadLettered++;
      notifyMetrics.webhookDeadLettered.inc({ subscription: st.sub.id, reason: label });
      this.sink.settled(item.job, st.sub, { kind: 'dead-lettered', attempts: item.attempt, reason });
    } catch (e) {
      // Not settled: its webhook progress is not committed, so the next start redoes it.
      this.logger.error({ subscription: st.sub.id, alert: item.job.notification.id, err: (e as Error).message }, 'could not dead-letter a failed webhook alert');
    } finally {
      st.active--;
      this.updateGauge(st);
      this.notifyIdle();
    }
  }
}
