import type { EventInput } from '../types';

/** An event ready to send: its id fixed (before the first attempt) and its wire form. */
export interface PreparedEvent {
  id: string;
  /** The event with its id and occurredAt as epoch milliseconds (or the ISO text the caller gave). */
  event: EventInput & { id: string };
  /** JSON text of `event` (the HTTP body is built from these; the Kafka transport uses it for sizing). */
  json: string;
  bytes: number;
}

/** What one attempt says about one event. */
export type EventOutcome =
  | { status: 'accepted' }
  | { status: 'rejected'; reasons: string[] }
  /** Worth sending again (overload, outage, timeout); the reason is kept for the final error. */
  | { status: 'retry'; reason: string }
  /** Will not get better by retrying (credentials, a request the server cannot read). */
  | { status: 'failed'; reason: string };

export interface AttemptOutcome {
  /** One per event of the attempt, in order. */
  events: EventOutcome[];
  /** The server's Retry-After, when it gave one. */
  retryAfterMs?: number;
  /** The server is shedding load or unavailable (429/503): slow down, not only retry. */
  overloaded?: boolean;
  /** The request was too large as a whole: send it again in smaller parts. */
  split?: string;
}

/** Sends one batch once; never throws (every problem becomes an outcome). */
export interface Transport {
  readonly name: 'http' | 'kafka';
  send(batch: PreparedEvent[]): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

export function allOutcomes(n: number, outcome: EventOutcome, extra: Omit<AttemptOutcome, 'events'> = {}): AttemptOutcome {
  return { events: new Array<EventOutcome>(n).fill(outcome), ...extra };
}
