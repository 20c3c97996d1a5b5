/**
 * The window an event's time must fall in, shared by ingest (HTTP events, against the time ingest
 * received them) and enrich (records from Kafka, against the record's timestamp). Ingest stamps each
 * record with the time it received the event, so both apply the same check to the same two times, and
 * nothing ingest acknowledges is dead-lettered by enrich for its time.
 */
export interface EventTimeWindow {
  /** How far before the reference time an event may have occurred; 0 or less: no bound. */
  maxAgeMs: number;
  /** How far after the reference time a timestamp may be (clock skew). */
  maxSkewMs: number;
}

/** Enrich's and ingest's default window: 30 days old, 5 minutes ahead. */
export const DEFAULT_EVENT_TIME_WINDOW: EventTimeWindow = { maxAgeMs: 30 * 86_400_000, maxSkewMs: 5 * 60_000 };

/** Names used in the reasons: what the reference time is, and the variables that set the window. */
export interface EventTimeWording {
  reference: string;
  ageVariable: string;
  skewVariable: string;
}

/**
 * Why `value` falls outside the window around `reference`, without the field name ("2025-06-01T13:00:00.000Z
 * is 1 h after …; expected at most 5 min in the future (VAR)"), or undefined when it is inside.
 * `checkAge` false checks only the skew (for times that are not the event's own, such as receivedAt).
 */
export function eventTimeProblem(value: number, reference: number, window: EventTimeWindow, wording: EventTimeWording, checkAge = true): string | undefined {
  const ahead = value - reference;
  if (ahead > window.maxSkewMs) {
    return `${isoTime(value)} is ${describeDuration(ahead)} after ${wording.reference} ${isoTime(reference)}; expected at most ${describeDuration(window.maxSkewMs)} in the future (${wording.skewVariable})`;
  }
  if (checkAge && window.maxAgeMs > 0 && -ahead > window.maxAgeMs) {
    return `${isoTime(value)} is ${describeDuration(-ahead)} before ${wording.reference} ${isoTime(reference)}; expected at most ${describeDuration(window.maxAgeMs)} old (${wording.ageVariable})`;
  }
  return undefined;
}

/** An ISO-8601 time, or the number itself when it is no valid date. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** A duration in the largest unit that fits: "40 d", "1.5 h", "5 min", "0.3 s". */
export function describeDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 86_400_000) return `${+(ms / 86_400_000).toFixed(1)} d`;
  if (abs >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  if (abs >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 1000).toFixed(1)} s`;
}
