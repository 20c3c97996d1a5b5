/**
 * What the HTTP input of an event adds to the RawEvent Avro schema. The schema stays the single list of
 * fields; these are the few things it cannot say (lengths, the source token) and the fields ingest fills
 * in itself. Validation (validate.ts) and the OpenAPI document (json-schema.ts) both read them from here.
 */

/** Fields ingest sets on every event; a producer leaves them out. */
export const SET_BY_INGEST: Record<string, string> = {
  receivedAt: 'set by ingest to the time it received the event',
  producer: 'set by ingest to the owner of the API key',
};

/** Fields the schema requires that a producer may leave out, and what ingest fills in. */
export const OPTIONAL_ON_INPUT: Record<string, string> = {
  id: 'when left out, ingest assigns a new sortable id (ULID); when given, it is kept as the idempotency key',
};

export interface StringRule {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** What a valid value looks like, for error messages and the OpenAPI description. */
  expected: string;
}

/** Extra rules on string fields, by field path. */
export const STRING_RULES: Record<string, StringRule> = {
  // eslint-disable-next-line no-control-regex
  id: { minLength: 1, maxLength: 128, pattern: /^[^\u0000-\u001f\u007f]+$/, expected: '1 to 128 characters, no control characters' },
  source: {
    minLength: 1,
    maxLength: 64,
    pattern: /^[a-z0-9][a-z0-9._-]*$/,
    expected: "a lower-case token of 1 to 64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit (for example twitter)",
  },
  'author.id': { minLength: 1, maxLength: 256, expected: '1 to 256 characters' },
  // The same bounds enrich applies to direct-Kafka records (ENRICH_MAX_TEXT_CHARS), so nothing ingest
  // acknowledges is dead-lettered downstream for them, and no event outgrows a Kafka record.
  text: { maxLength: 50_000, expected: 'at most 50,000 characters' },
  url: { maxLength: 4096, pattern: /^https?:\/\/[^\s]+$/i, expected: 'an absolute http or https URL of at most 4,096 characters' },
};

/** occurredAt may also be given as an RFC 3339 / ISO-8601 date-time with a time zone. */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;
export const TIMESTAMP_FIELDS = ['occurredAt'];
/** Said of occurredAt in the OpenAPI document; the bounds are ingest's config (validate.ts checks them). */
export const EVENT_TIME_WINDOW_NOTE =
  'Must lie at most INGEST_MAX_AGE_MS (default 30 days) before and at most INGEST_MAX_SKEW_MS (default 5 minutes) after the time ingest receives the event.';
export const TIMESTAMP_EXPECTED = 'epoch milliseconds (an integer) or an ISO-8601 date-time with a time zone (for example 2024-05-01T12:00:00Z)';

export function checkString(rule: StringRule, value: string): boolean {
  if (rule.minLength !== undefined && value.length < rule.minLength) return false;
  if (rule.maxLength !== undefined && value.length > rule.maxLength) return false;
  if (rule.pattern && !rule.pattern.test(value)) return false;
  return true;
}
