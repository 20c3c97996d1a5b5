/**
 * The alert rule file: its schema (the one place rule fields are declared) and the parser that maps a bad
 * field back to its line in the file.
 */
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds as a number, or a string like 30s, 10m, 1h. */
const duration = z.union([
  z.number().int().positive(),
  z.string().transform((s, ctx) => {
    const m = DURATION.exec(s.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, 10m or 1h, got ${JSON.stringify(s)}` });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
  }),
]);

const severity = z.enum(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const entityType = z.enum(['keyword', 'hashtag', 'author', 'source']);

/** Conditions on the event itself; every given condition must hold. */
const match = z
  .object({
    sources: z.array(z.string().min(1)).min(1).optional(),
    languages: z.array(z.string().min(1)).min(1).optional(),
    /** Any of these keywords or hashtags (folded forms). */
    keywords: z.array(z.string().min(1)).min(1).optional(),
    minFollowers: z.number().int().nonnegative().optional(),
    verified: z.boolean().optional(),
    sentiment: z.enum(['negative', 'neutral', 'positive']).optional(),
    /** Probability of the sentiment label above, at least. */
    minSentimentConfidence: z.number().min(0).max(1).optional(),
  })
  .strict();

const base = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected an id of letters, digits, ".", "_" or "-" (1 to 100 characters)'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  severity,
  /** Alert title; {value}, {type}, {count}, {score}, {rule} and {source} are filled in. */
  title: z.string().min(1).optional(),
  match: match.optional(),
};

const anomalyRule = z
  .object({
    ...base,
    type: z.literal('anomaly'),
    entityTypes: z.array(entityType).min(1),
    /** Only these entity values (folded); all when omitted. */
    watch: z.array(z.string().min(1)).min(1).optional(),
    minScore: z.number(),
    /** Events in the bucket, at least (keeps one-off blips of rare entities quiet). */
    minCount: z.number().int().nonnegative().default(0),
  })
  .strict();

const trendRule = z
  .object({
    ...base,
    type: z.literal('trend'),
    entityTypes: z.array(entityType).min(1).default(['keyword']),
    watch: z.array(z.string().min(1)).min(1).optional(),
    /** Holt slope: growth of the per-minute count per minute. */
    minVelocity: z.number(),
    minAcceleration: z.number().optional(),
    minCount: z.number().int().nonnegative().default(0),
  })
  .strict();

const burstRule = z
  .object({
    ...base,
    type: z.literal('burst'),
    /** What one count is grouped by. */
    groupBy: z.enum(['all', 'source', 'keyword', 'hashtag']).default('all'),
    minCount: z.number().int().positive(),
    /** Count distinct authors instead of events. */
    distinctAuthors: z.boolean().default(false),
    /** Tumbling window of event time. */
    window: duration,
  })
  .strict();

const thresholdRule = z
  .object({
    ...base,
    type: z.literal('threshold'),
    /** Model name (sentiment, spam, anomaly, trend, or a configured ONNX model). */
    model: z.string().min(1),
    /** Figure compared: the model's score, or one of its details by name. */
    field: z.string().min(1).default('score'),
    label: z.string().min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** What the alert is about; one alert per entity and window. */
    entity: z.enum(['event', 'author', 'source']).default('event'),
    window: duration.default(3_600_000),
  })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined || r.label !== undefined, { message: 'expected at least one of min, max or label', path: ['min'] });

const rule = z.discriminatedUnion('type', [anomalyRule, trendRule, burstRule, thresholdRule]);

export const ruleFileSchema = z
  .object({
    version: z.number().int().optional(),
    rules: z.array(rule),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${JSON.stringify(r.id)} (also rules[${seen.get(r.id)}])` });
      else seen.set(r.id, i);
    });
  });

export type RuleFile = z.infer<typeof ruleFileSchema>;
export type Rule = RuleFile['rules'][number];
export type AnomalyRule = Extract<Rule, { type: 'anomaly' }>;
export type TrendRule = Extract<Rule, { type: 'trend' }>;
export type BurstRule = Extract<Rule, { type: 'burst' }>;
export type ThresholdRule = Extract<Rule, { type: 'threshold' }>;
export type RuleMatch = z.infer<typeof match>;

/** A validated rule with its version (content hash of the rule as validated). */
export type VersionedRule = Rule & { version: string };

export interface RuleSet {
  rules: VersionedRule[];
  /** Content hash of the whole file. */
  version: string;
  source: string;
}

export class RuleFileError extends Error {
  constructor(
    readonly where: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(`${where}${line !== null ? ` line ${line}` : ''}: ${problem}`);
    this.name = 'RuleFileError';
  }
}

const hash = (s: string, n = 12): string => createHash('sha256').update(s).digest('hex').slice(0, n);

function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(file)';
}

/** Line of the deepest node on `path` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: ReadonlyArray<PropertyKey>): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as Array<string | number>, true);
    if (isNode(node) && (node as Node).range) return lc.linePos((node as Node).range![0]).line;
  }
  return null;
}

/**
 * Parses and validates a rule file (YAML, or JSON, which YAML reads too). Throws RuleFileError naming the
 * file, the line and the field.
 */
export function parseRuleFile(text: string, where: string): RuleSet {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new RuleFileError(where, line, `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const parsed = ruleFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let path = issue.path;
    // For unknown keys zod points at the object; point at the key itself.
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0]];
    throw new RuleFileError(where, lineOf(doc, lc, path), `field "${pathText(path)}": ${issue.message}`);
  }
  return {
    rules: parsed.data.rules.filter((r) => r.enabled).map((r) => ({ ...r, version: hash(JSON.stringify(r)) })),
    version: hash(text),
    source: where,
  };
}
