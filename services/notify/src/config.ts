import * as fs from 'node:fs';
import { z } from 'zod';
import { env, parseAnalystTokens, type AnalystToken } from '@sluice/runtime';
import { parseFilter } from './filter';
import type { MetricsTarget } from './console/stats';
import type { WebhookSubscription } from './webhooks';

export type { AnalystToken };

export class NotifyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyConfigError';
  }
}

const MIN_TOKEN_LENGTH = 16;

/** `name:token,name:token` (or bare tokens, named token-1 …): the format persist reads too. */
export function parseTokens(text: string, where = 'NOTIFY_TOKENS'): AnalystToken[] {
  let tokens: AnalystToken[];
  try {
    tokens = parseAnalystTokens(text, where, MIN_TOKEN_LENGTH);
  } catch (err) {
    throw new NotifyConfigError((err as Error).message);
  }
  if (tokens.length === 0) throw new NotifyConfigError(`${where}: expected at least one token ("name:token", comma-separated)`);
  return tokens;
}

const webhookSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits or _.-'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    secret: z.string().min(16, 'expected a shared secret of at least 16 characters'),
    filter: z.unknown().optional(),
  })
  .strict();

/** Webhook subscriptions from JSON: [{id, url, secret, filter?}]. Errors name the entry and field. */
export function parseWebhooks(text: string, where = 'NOTIFY_WEBHOOKS'): WebhookSubscription[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NotifyConfigError(`${where}: not valid JSON (${(e as Error).message}); expected [{"id","url","secret","filter"?}]`);
  }
  if (!Array.isArray(json)) throw new NotifyConfigError(`${where}: expected a JSON array of subscriptions [{"id","url","secret","filter"?}]`);
  const seen = new Set<string>();
  return json.map((entry, i) => {
    const r = webhookSchema.safeParse(entry);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue.path.length ? `.${issue.path.join('.')}` : '';
      throw new NotifyConfigError(`${where}[${i}]${field}: ${issue.message}`);
    }
    if (seen.has(r.data.id)) throw new NotifyConfigError(`${where}[${i}].id: ${JSON.stringify(r.data.id)} is declared twice`);
    seen.add(r.data.id);
    return { id: r.data.id, url: r.data.url, secret: r.data.secret, filter: parseFilter(r.data.filter, `${where}[${i}].filter`) };
  });
}

/** `name=url,name=url` (a bare URL is named by its host:port). */
export function parseMetricsTargets(text: string, where = 'NOTIFY_METRICS_TARGETS'): MetricsTarget[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const eq = entry.indexOf('=');
      const url = eq > 0 ? entry.slice(eq + 1) : entry;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new NotifyConfigError(`${where} entry ${i + 1}: ${JSON.stringify(url)} is not a URL; expected name=http://host:port/metrics`);
      }
      return { name: eq > 0 ? entry.slice(0, eq) : parsed.host, url };
    });
}

const transformed = <T>(parse: (text: string) => T, missing = 'required') =>
  z.string({ error: missing }).transform((text, ctx) => {
    try {
      return parse(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** Every variable the notification service reads, with its default. */
export const notifyConfig = {
  PORT: env.int(8083, 0, 65535),
  /** Analysts wait on this stage, so it flushes batches sooner than the runtime's default of 20 ms. */
  STAGE_BATCH_WAIT_MS: env.int(5, 0, 60_000),
  /** Analyst tokens for the WebSocket and the console: name:token pairs, comma-separated. */
  NOTIFY_TOKENS: transformed((t) => parseTokens(t), 'required: analyst tokens as name:token pairs, comma-separated (tokens of 16+ characters)'),
  /** The same dedup key within this window is delivered once. */
  NOTIFY_DEDUP_WINDOW_MS: env.int(10 * 60_000, 0),
  /** How long a dedup key is remembered, so a later firing shows as resurfaced. */
  NOTIFY_DEDUP_MEMORY_MS: env.int(24 * 3600_000, 0),
  NOTIFY_DEDUP_MAX_KEYS: env.int(100_000, 1),
  /** Dedup decisions remembered per alert position, so catch-ups report them unchanged. */
  NOTIFY_DECISION_LOG_MAX: env.int(200_000, 1000),
  /** Where a group without committed offsets starts: latest (the usual for notifications) or earliest. */
  NOTIFY_START_FROM: env.oneOf(['latest', 'earliest'] as const, 'latest'),
  NOTIFY_HEARTBEAT_MS: env.int(15_000, 50),
  NOTIFY_MAX_CLIENTS: env.int(10_000, 1),
  NOTIFY_CLIENT_HIGH_WATER_BYTES: env.int(256 * 1024, 1024),
  NOTIFY_CLIENT_MAX_QUEUE: env.int(1000, 2),
  NOTIFY_CLIENT_MAX_QUEUED_BYTES: env.int(8 * 1024 * 1024, 1024),
  NOTIFY_CLOSE_GRACE_MS: env.int(5000, 0),
  NOTIFY_CATCHUP_CONCURRENCY: env.int(4, 1, 64),
  NOTIFY_CATCHUP_IDLE_TIMEOUT_MS: env.int(15_000, 1000),
  /** Webhook subscriptions as JSON ([{id, url, secret, filter}]); NOTIFY_WEBHOOKS_FILE names a file holding it instead. */
  NOTIFY_WEBHOOKS: z.string().optional(),
  NOTIFY_WEBHOOKS_FILE: z.string().optional(),
  NOTIFY_WEBHOOK_MAX_ATTEMPTS: env.int(6, 1, 100),
  NOTIFY_WEBHOOK_BACKOFF_MS: env.int(500, 1),
  NOTIFY_WEBHOOK_BACKOFF_MAX_MS: env.int(30_000, 1),
  NOTIFY_WEBHOOK_TIMEOUT_MS: env.int(5000, 50),
  NOTIFY_WEBHOOK_QUEUE_MAX: env.int(1000, 1),
  NOTIFY_WEBHOOK_CONCURRENCY: env.int(4, 1, 256),
  NOTIFY_WEBHOOK_COMMIT_INTERVAL_MS: env.int(2000, 100),
  /** Other stages' /metrics for the console's per-stage latency: name=url pairs, comma-separated. */
  NOTIFY_METRICS_TARGETS: transformed((t) => parseMetricsTargets(t)).default([]),
  NOTIFY_STATS_INTERVAL_MS: env.int(2000, 100),
  /**
   * Producer API keys for the confirmations socket, in ingest's format (producer:sha256hex, comma- or
   * line-separated); NOTIFY_PRODUCER_KEYS_FILE names a file of them. When neither is set, ingest's
   * INGEST_API_KEYS / INGEST_API_KEYS_FILE are read instead, so one secret can serve both services.
   */
  NOTIFY_PRODUCER_KEYS: z.string().optional(),
  NOTIFY_PRODUCER_KEYS_FILE: z.string().optional(),
  INGEST_API_KEYS: z.string().optional(),
  INGEST_API_KEYS_FILE: z.string().optional(),
  /** How long confirmations are held for producers that resume with a cursor or a time. */
  NOTIFY_CONFIRMATIONS_RETAIN_MS: env.int(10 * 60_000, 0),
  /** Most event ids held for resuming producers (the oldest confirmations go first). */
  NOTIFY_CONFIRMATIONS_MAX_IDS: env.int(500_000, 1),
  /** Console pipeline view: events followed at once, new events taken in per second, tails kept after the last watcher left. */
  NOTIFY_PIPELINE_MAX_EVENTS: env.int(200, 1, 10_000),
  NOTIFY_PIPELINE_ADMIT_PER_SEC: env.int(20, 1, 10_000),
  NOTIFY_PIPELINE_IDLE_MS: env.int(30_000, 0),
};

/** Reads the webhook declarations from NOTIFY_WEBHOOKS or the file NOTIFY_WEBHOOKS_FILE names. */
export function loadWebhooks(inline: string | undefined, file: string | undefined): WebhookSubscription[] {
  if (inline && file) throw new NotifyConfigError('NOTIFY_WEBHOOKS and NOTIFY_WEBHOOKS_FILE are both set; set one of them');
  if (inline) return parseWebhooks(inline);
  if (!file) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new NotifyConfigError(`NOTIFY_WEBHOOKS_FILE=${file}: cannot read it (${(e as Error).message})`);
  }
  return parseWebhooks(text, `NOTIFY_WEBHOOKS_FILE (${file})`);
}
