import type { Alert, Severity } from '@sluice/contracts';

/** Severities in rising order; a filter's minSeverity admits that level and every level above it. */
export const SEVERITIES: readonly Severity[] = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const RANK = new Map(SEVERITIES.map((s, i) => [s, i]));

/**
 * What an analyst (a WebSocket subscription) or a webhook wants to receive. Every present criterion
 * must hold; within a list, any entry may match. An empty filter admits every alert.
 */
export interface AlertFilter {
  /** Rule ids. */
  rules?: string[];
  /** Lowest severity delivered. */
  minSeverity?: Severity;
  /** Source platforms (alerts without a source never match a source filter). */
  sources?: string[];
  /** Keywords or entity values: one matches when it equals the entity value or occurs in the title (case-insensitive). */
  keywords?: string[];
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

const KEYS = ['rules', 'minSeverity', 'sources', 'keywords'] as const;

function stringList(value: unknown, where: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) throw new FilterError(`${where}: expected a string or an array of strings, got ${JSON.stringify(value)}`);
  return list.map((v, i) => {
    if (typeof v !== 'string' || v.trim() === '') throw new FilterError(`${where}[${i}]: expected a non-empty string, got ${JSON.stringify(v)}`);
    return v.trim();
  });
}

/** Validates a filter from the outside (a subscribe message, a webhook declaration); errors name the field. */
export function parseFilter(input: unknown, where = 'filter'): AlertFilter {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new FilterError(`${where}: expected an object with rules, minSeverity, sources or keywords, got ${JSON.stringify(input)}`);
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new FilterError(`${where}.${key}: unknown filter field; expected one of ${KEYS.join(', ')}`);
  }
  const filter: AlertFilter = {};
  if (raw.rules !== undefined) filter.rules = stringList(raw.rules, `${where}.rules`);
  if (raw.sources !== undefined) filter.sources = stringList(raw.sources, `${where}.sources`).map((s) => s.toLowerCase());
  if (raw.keywords !== undefined) filter.keywords = stringList(raw.keywords, `${where}.keywords`).map((s) => s.toLowerCase());
  if (raw.minSeverity !== undefined) {
    const s = typeof raw.minSeverity === 'string' ? raw.minSeverity.toUpperCase() : raw.minSeverity;
    if (typeof s !== 'string' || !RANK.has(s as Severity)) {
      throw new FilterError(`${where}.minSeverity: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(raw.minSeverity)}`);
    }
    filter.minSeverity = s as Severity;
  }
  // Empty lists would silently match nothing; treat them as absent instead.
  for (const k of ['rules', 'sources', 'keywords'] as const) if (filter[k]?.length === 0) delete filter[k];
  return filter;
}

export function matchesFilter(filter: AlertFilter, alert: Alert): boolean {
  if (filter.minSeverity && (RANK.get(alert.severity) ?? 0) < RANK.get(filter.minSeverity)!) return false;
  if (filter.rules && !filter.rules.includes(alert.rule)) return false;
  if (filter.sources && (!alert.source || !filter.sources.includes(alert.source.toLowerCase()))) return false;
  if (filter.keywords) {
    const value = alert.entity.value.toLowerCase();
    const title = alert.title.toLowerCase();
    if (!filter.keywords.some((k) => value === k || title.includes(k))) return false;
  }
  return true;
}

export function isEmptyFilter(filter: AlertFilter): boolean {
  return !filter.rules && !filter.minSeverity && !filter.sources && !filter.keywords;
}
