import { eventTimeProblem, type EventTimeWindow, type RawEvent } from '@sluice/contracts';
import { isHttpUrl } from '../text/url';

/**
 * Checks the Avro schema cannot express. Records that came through ingest already passed these; records
 * written straight into Kafka may carry anything the schema allows, so enrich checks them again.
 */
export interface ValidationLimits extends EventTimeWindow {
  /** Longest text, in characters (UTF-16 code units). */
  maxTextChars: number;
}

const ENRICH_WORDING = { reference: "the record's time", ageVariable: 'ENRICH_MAX_AGE_MS', skewVariable: 'ENRICH_MAX_SKEW_MS' };

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
    const problem = eventTimeProblem(value, reference, limits, ENRICH_WORDING, checkAge);
    if (problem) problems.push(`field "${field}": ${problem}`);
  }
}
