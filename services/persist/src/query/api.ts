import express, { type Request, type Response } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Logger } from '@sluice/runtime';
import { persistMetrics } from '../db/metrics';
import { createPool, isTransientDbError } from '../db/pool';
import { SEVERITY_RANK } from '../write/rows';
import { requireToken, type Principal, parseTokens } from './auth';
import { CacheVersions, QueryCache } from './cache';
import { CursorError, decodeCursor, encodeCursor, filterDigest } from './cursor';
import * as S from './schemas';
import { QueryStore } from './store';

/** A parameter that parsed but makes no sense with the others; answered 400 naming it. */
class ParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;

/** Resolves a window: defaults relative to now, rounded to `unit` so equal windows give equal cache keys. */
function window(p: { from?: number; to?: number }, unit: number, defaultSpan: number, maxSpan: number, now: number): { from: number; to: number } {
  const to = ceilTo(p.to ?? now + 1, unit);
  const from = floorTo(p.from ?? to - defaultSpan, unit);
  if (from >= to) throw new ParamError('from', `expected a time before to (${new Date(to).toISOString()})`);
  if (to - from > maxSpan) throw new ParamError('from', `the window from..to may span at most ${maxSpan / unit} ${unit === MINUTE ? 'minutes' : unit === HOUR ? 'hours' : 'days'} here`);
  return { from, to };
}

function timeRange(p: { from?: number; to?: number }): void {
  if (p.from !== undefined && p.to !== undefined && p.from >= p.to) throw new ParamError('to', 'expected a time after from');
}

interface RouteContext {
  store: QueryStore;
  principal: Principal;
  now: number;
}

/**
 * One route: its query schema (validation and OpenAPI parameters), its response schema (OpenAPI), and
 * for cached aggregate routes the data versions its result depends on.
 */
interface Route<Q extends z.ZodType> {
  path: string;
  operationId: string;
  summary: string;
  query: Q;
  response: keyof typeof S.COMPONENTS;
  /** Cached routes: the version names the result depends on. */
  cacheOn?: (q: z.output<Q>) => string[];
  /** Turns parsed parameters into the normalised request (defaults resolved), which is also the cache key. */
  resolve: (q: z.output<Q>, now: number) => Record<string, unknown>;
  run: (r: Record<string, unknown>, ctx: RouteContext) => Promise<unknown>;
}

const route = <Q extends z.ZodType>(r: Route<Q>) => r as unknown as Route<z.ZodType>;

export const ROUTES: Route<z.ZodType>[] = [
  route({
    path: '/v1/events',
    operationId: 'listEvents',
    summary: 'Scored events, newest first, filtered; cursor-paginated.',
    query: S.eventsQuery,
    response: 'EventsPage',
    resolve: (q) => {
      timeRange(q);
      const { cursor, limit, ...filters } = q;
      return { filters, limit, cursor };
    },
    run: async (r, { store }) => {
      const filters = r.filters as z.output<typeof S.eventsQuery>;
      const digest = filterDigest(filters);
      const after = r.cursor ? decodeCursorParam(r.cursor as string, digest) : null;
      const page = await store.events(filters, r.limit as number, after);
      return { items: page.items, nextCursor: page.last ? encodeCursor(page.last, digest) : null };
    },
  }),
  route({
    path: '/v1/trends',
    operationId: 'getTrends',
    summary: 'Top keywords or hashtags per minute or hour, with their series and the previous window for comparison.',
    query: S.trendsQuery,
    response: 'Trends',
    cacheOn: (q) => [q.source ? `trends.${q.interval}:${q.source}` : `trends.${q.interval}`],
    resolve: (q, now) => {
      const unit = q.interval === 'minute' ? MINUTE : HOUR;
      const w = window(q, unit, q.interval === 'minute' ? HOUR : DAY, q.interval === 'minute' ? DAY : 31 * DAY, now);
      return { kind: q.kind, interval: q.interval, source: q.source ?? null, limit: q.limit, ...w };
    },
    run: async (r, { store }) => {
      const terms = await store.trends({ kind: r.kind as string, interval: r.interval as 'minute' | 'hour', source: (r.source as string | null) ?? undefined, from: r.from as number, to: r.to as number, limit: r.limit as number });
      return { kind: r.kind, interval: r.interval, source: r.source, from: new Date(r.from as number).toISOString(), to: new Date(r.to as number).toISOString(), terms };
    },
  }),
  route({
    path: '/v1/authors/top',
    operationId: 'getTopAuthors',
    summary: 'Authors with the most engagement (or events, likes …) per source over whole UTC days.',
    query: S.authorsQuery,
    response: 'TopAuthors',
    cacheOn: (q) => [q.source ? `authors:${q.source}` : 'authors'],
    resolve: (q, now) => ({ source: q.source ?? null, by: q.by, limit: q.limit, ...window(q, DAY, 7 * DAY, 366 * DAY, now) }),
    run: async (r, { store }) => ({
      from: new Date(r.from as number).toISOString(),
      to: new Date(r.to as number).toISOString(),
      by: r.by,
      authors: await store.topAuthors({ source: (r.source as string | null) ?? undefined, from: r.from as number, to: r.to as number, by: r.by as string, limit: r.limit as number }),
    }),
  }),
  route({
    path: '/v1/alerts',
    operationId: 'listAlerts',
    summary: 'Alerts, latest firing first, filtered; cursor-paginated.',
    query: S.alertsQuery,
    response: 'AlertsPage',
    resolve: (q) => {
      timeRange(q);
      const { cursor, limit, ...filters } = q;
      return { filters, limit, cursor };
    },
    run: async (r, { store }) => {
      const f = r.filters as z.output<typeof S.alertsQuery>;
      const digest = filterDigest(f);
      const after = r.cursor ? decodeCursorParam(r.cursor as string, digest) : null;
      const page = await store.alerts(
        { rule: f.rule, severity: f.severity, minSeverityRank: f.minSeverity ? SEVERITY_RANK[f.minSeverity] : undefined, source: f.source, from: f.from, to: f.to },
        r.limit as number,
        after,
      );
      return { items: page.items, nextCursor: page.last ? encodeCursor(page.last, digest) : null };
    },
  }),
  route({
    path: '/v1/alerts/counts',
    operationId: 'getAlertCounts',
    summary: 'Alerts per rule (and per severity) in a window of whole hours.',
    query: S.alertCountsQuery,
    response: 'AlertCounts',
    cacheOn: () => ['alerts'],
    resolve: (q, now) => ({ rule: q.rule ?? null, ...window(q, HOUR, DAY, 366 * DAY, now) }),
    run: async (r, { store }) => ({
      from: new Date(r.from as number).toISOString(),
      to: new Date(r.to as number).toISOString(),
      rules: await store.alertCounts({ rule: (r.rule as string | null) ?? undefined, from: r.from as number, to: r.to as number }),
    }),
  }),
];

function decodeCursorParam(cursor: string, digest: string) {
  try {
    return decodeCursor(cursor, digest);
  } catch (e) {
    if (e instanceof CursorError) throw new ParamError('cursor', e.message);
    throw e;
  }
}

interface Problem {
  parameter: string;
  message: string;
}

function show(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 80) ?? 'nothing';
}

/** Validates a query string against a route's schema; problems name the parameter, the expectation and what came. */
export function parseQuery<Q extends z.ZodType>(schema: Q, raw: Record<string, unknown>): { ok: true; value: z.output<Q> } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) problems.push({ parameter: k, message: `given ${v.length} times; expected a single value` });
    else if (typeof v === 'string' && v.trim() === '') problems.push({ parameter: k, message: 'expected a value, got an empty one' });
  }
  if (problems.length) return { ok: false, problems };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys((schema as unknown as z.ZodObject).shape ?? {}).join(', ');
      for (const key of issue.keys) problems.push({ parameter: key, message: `unknown parameter; expected one of ${known}` });
    } else {
      const parameter = String(issue.path[0] ?? '?');
      problems.push({ parameter, message: `${issue.message}, got ${show(raw[parameter])}` });
    }
  }
  return { ok: false, problems };
}

export interface QueryApiOptions {
  /** Reader pool; created from databaseUrl when absent. */
  pool?: Pool;
  databaseUrl?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** PERSIST_API_TOKENS syntax. */
  tokens?: string;
  /** Shared with the stage so writes invalidate cached results. */
  versions: CacheVersions;
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  logger: Logger;
  now?: () => number;
}

export interface QueryApi {
  /** Routes under /v1 plus /openapi.json; mount on the ops server's app. */
  router: express.Router;
  cache: QueryCache;
  pool: Pool;
  close(): Promise<void>;
}

/** The query API: token-authenticated, schema-validated reads; aggregate reads go through the versioned cache. */
export function createQueryApi(o: QueryApiOptions): QueryApi {
  const ownPool = !o.pool;
  const pool =
    o.pool ??
    createPool({ databaseUrl: o.databaseUrl ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice', max: o.poolSize ?? 5, statementTimeoutMs: o.statementTimeoutMs ?? 10_000, applicationName: 'sluice-persist-query', logger: o.logger });
  const store = new QueryStore(pool);
  const cache = new QueryCache(o.cacheTtlMs ?? 2000, o.cacheMaxEntries ?? 1000);
  const tokens = parseTokens(o.tokens);
  const now = o.now ?? Date.now;
  const document = openApiDocument();
  const router = express.Router();

  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/v1', requireToken(tokens));

  for (const r of ROUTES) {
    router.get(r.path, async (req: Request, res: Response) => {
      const end = persistMetrics.queries.startTimer({ route: r.path });
      const status = await answer(r, req, res).catch((e) => {
        o.logger.error({ err: (e as Error).message, route: r.path }, 'query failed');
        res.status(500).json({ error: 'internal', message: 'the query failed unexpectedly' });
        return 500;
      });
      end({ status: String(status) });
    });
  }
  router.use('/v1', (req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route GET ${req.baseUrl}${req.path}; see /openapi.json` });
  });

  async function answer(r: Route<z.ZodType>, req: Request, res: Response): Promise<number> {
    const principal = res.locals.principal as Principal;
    const parsed = parseQuery(r.query, req.query as Record<string, unknown>);
    if (!parsed.ok) return badRequest(res, parsed.problems);
    const t = now();
    try {
      const resolved = r.resolve(parsed.value, t);
      const ctx: RouteContext = { store, principal, now: t };
      if (!r.cacheOn) {
        res.json(await r.run(resolved, ctx));
        return 200;
      }
      // The key holds the route, the caller, the data versions and the whole normalised request.
      const versions = r.cacheOn(parsed.value).map((n) => `${n}@${o.versions.get(n)}`);
      const key = JSON.stringify([r.path, principal.name, versions, Object.entries(resolved).sort(([a], [b]) => a.localeCompare(b))]);
      const { value, hit } = await cache.getOrLoad(key, () => r.run(resolved, ctx));
      res.set('X-Cache', hit ? 'hit' : 'miss').json(value);
      return 200;
    } catch (e) {
      if (e instanceof ParamError) return badRequest(res, [{ parameter: e.parameter, message: e.message }]);
      if (isTransientDbError(e)) {
        res.set('Retry-After', '5').status(503).json({ error: 'unavailable', message: 'the database is unavailable; retry shortly' });
        return 503;
      }
      throw e;
    }
  }

  return {
    router,
    cache,
    pool,
    async close() {
      if (ownPool) await pool.end();
    },
  };
}

function badRequest(res: Response, problems: Problem[]): number {
  res.status(400).json({ error: 'invalid_request', message: problems.map((p) => `${p.parameter}: ${p.message}`).join('; '), problems });
  return 400;
}

function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/** OpenAPI 3.1 document generated from ROUTES and the schemas (JSON Schema 2020-12, as 3.1 uses). */
export function openApiDocument(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(S.COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
  const paths: Record<string, unknown> = {};
  for (const r of ROUTES) {
    const params = z.toJSONSchema(r.query, { io: 'input' }) as { properties: Record<string, Record<string, unknown>>; required?: string[] };
    paths[r.path] = {
      get: {
        operationId: r.operationId,
        summary: r.summary,
        security: [{ bearer: [] }, { apiKey: [] }],
        parameters: Object.entries(params.properties).map(([name, schema]) => {
          const { description, ...rest } = schema;
          return { name, in: 'query', required: params.required?.includes(name) ?? false, description, schema: rest };
        }),
        responses: {
          200: {
            description: r.cacheOn ? 'OK (served through a short-lived cache; X-Cache says hit or miss).' : 'OK',
            content: { 'application/json': { schema: ref(r.response) } },
          },
          400: error('A parameter is invalid; problems name each one and what was expected.'),
          401: error('No credentials.'),
          403: error('The token is not valid.'),
          503: error('The database is unavailable (Retry-After) or no tokens are configured.'),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice query API', version: '1', description: 'Reads of what the persist service stored: events, trends, top authors, alerts.' },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, strip(v)])),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    },
  };
}
