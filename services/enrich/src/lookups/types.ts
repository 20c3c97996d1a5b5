import type { RawEvent } from '@sluice/contracts';

/** What an enricher may look at: the raw event and what enrich derived from its text. */
export interface LookupInput {
  event: RawEvent;
  /** Canonical URLs (the url field first, then those in the text). */
  urls: readonly string[];
  language: string;
}

/**
 * An external lookup (link metrics, author profiles …). `keyOf` says what to look up for an event, or
 * null when nothing applies; results are cached and shared by key. `lookup` should honour `signal`,
 * but the resilience wrapper enforces its timeout whether it does or not.
 */
export interface Enricher {
  readonly name: string;
  keyOf(input: LookupInput): string | null;
  lookup(key: string, signal: AbortSignal): Promise<unknown>;
}

/**
 * A lookup that failed with a reason for enrichment.missing (http-503, unreachable, bad-response …).
 * `retryable` failures are retried within the budget and count against the circuit; others (a 404, a
 * malformed answer) are the answer for this key.
 */
export class LookupError extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    message?: string,
  ) {
    super(message ?? reason);
    this.name = 'LookupError';
  }
}

/** The result of one lookup for one event. */
export type LookupOutcome = { ok: true; json: string } | { ok: false; reason: string };

export type Clock = () => number;
