import type { RawEvent } from '@sluice/contracts';
import { isHttpUrl } from '../text/url';

/**
 * Checks the Avro schema cannot express. Records that came through ingest already passed these; records
 * written straight into Kafka may carry anything the schema allows, so enrich checks them again.
 */
export interface ValidationLimits {
  /** occurredAt may be at most this far before the reference time. */
  maxAgeMs: number;
  /** occurredAt and receivedAt may be at most this far after the reference time (clock skew). */
  maxSkewMs: number;
  /** Longest text, in characters (UTF-16 code units). */
  maxTextChars: number;
}

const SOURCE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--; // a surrogate pair is one character
  }
  return n;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return `${+(ms / 86_400_000).toFixed(1)} d`;
  if (abs >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  if (abs >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 1000).toFixed(1)} s`;
}

/**
 * The reference time for timestamp checks: the record's Kafka timestamp (when it entered Kafka), never
 * later than now. Using the Kafka timestamp rather than the clock keeps validation the same when the raw
 * topic is replayed days later.
 */
export function referenceTime(kafkaTimestamp: number, now: number): number {
  return kafkaTimestamp > 0 && kafkaTimestamp < now ? kafkaTimestamp : now;
}

/** Every problem with a raw event, each naming the field and what was expected; [] when valid. */
export function validateRawEvent(event: RawEvent, reference: number, limits: ValidationLimits): string[] {
  const problems: string[] = [];
  const id = event.id;
  // Count code points, not UTF-16 units: "1 to 128 characters" is what producers read.
  const idLength = codePoints(id);
  if (idLength < 1 || idLength > 128) problems.push(`field "id": ${idLength} characters; expected 1 to 128`);
  else if (CONTROL.test(id)) problems.push(`field "id": contains control characters; expected printable text`);

  if (!SOURCE.test(event.source)) {
    problems.push(`field "source": ${JSON.stringify(event.source.slice(0, 70))}; expected a lower-case token of 1 to 64 characters from a-z, 0-9, '.', '_', '-' (for example twitter)`);
  }

  const authorId = event.author.id;
  if (authorId.length < 1 || authorId.length > 256) problems.push(`field "author.id": ${authorId.length} characters; expected 1 to 256`);
  if (event.author.followers != null && event.author.followers < 0) problems.push(`field "author.followers": ${event.author.followers}; expected a count of 0 or more`);

  checkTime('occurredAt', event.occurredAt, true);
  checkTime('receivedAt', event.receivedAt, false);

  if (event.text != null && event.text.length > limits.maxTextChars) {
    problems.push(`field "text": ${event.text.length} characters; expected at most ${limits.maxTextChars}`);
  }
  if (event.url != null && !isHttpUrl(event.url)) {
    problems.push(`field "url": ${JSON.stringify(event.url.slice(0, 100))}; expected an absolute http or https URL`);
  }
  if (event.engagement) {
    for (const name of ['likes', 'shares', 'comments', 'views'] as const) {
      const v = event.engagement[name];
      if (v != null && v < 0) problems.push(`field "engagement.${name}": ${v}; expected a count of 0 or more`);
    }
  }
  return problems;

  function checkTime(field: 'occurredAt' | 'receivedAt', value: number, checkAge: boolean): void {
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`field "${field}": ${value}; expected a positive timestamp in epoch milliseconds`);
      return;
    }
    const ahead = value - reference;
    if (ahead > limits.maxSkewMs) {
      problems.push(
        `field "${field}": ${iso(value)} is ${duration(ahead)} after the record's time ${iso(reference)}; expected at most ${duration(limits.maxSkewMs)} in the future (ENRICH_MAX_SKEW_MS)`,
      );
    } else if (checkAge && -ahead > limits.maxAgeMs) {
      problems.push(
        `field "${field}": ${iso(value)} is ${duration(-ahead)} before the record's time ${iso(reference)}; expected at most ${duration(limits.maxAgeMs)} old (ENRICH_MAX_AGE_MS)`,
      );
    }
  }
}
