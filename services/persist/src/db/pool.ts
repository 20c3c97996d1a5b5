import { Pool, type PoolClient, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import type { Logger } from '@sluice/runtime';
import { persistMetrics, type RoundTripPurpose } from './metrics';

export interface PoolOptions {
  databaseUrl: string;
  max: number;
  /** Statement timeout (ms, 0 = none). */
  statementTimeoutMs?: number;
  applicationName: string;
  /**
   * Whether PostgreSQL may JIT-compile this pool's statements (default: the server's setting). The
   * writer turns it off: its batch statement crosses the JIT cost threshold at about 10,000 rows, and
   * compiling it then costs more (~165 ms per execution) than it can save on a once-through plan.
   */
  jit?: boolean;
  logger: Logger;
}

/**
 * A pg pool whose sessions run in UTC (trend buckets are UTC minutes and hours). Idle clients that
 * lose their connection (PostgreSQL restarted) are logged and discarded instead of crashing the process.
 */
export function createPool(o: PoolOptions): Pool {
  const pool = new Pool({
    connectionString: o.databaseUrl,
    max: o.max,
    application_name: o.applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: o.statementTimeoutMs || undefined,
    options: o.jit === false ? '-c TimeZone=UTC -c jit=off' : '-c TimeZone=UTC',
  });
  pool.on('error', (err) => o.logger.warn({ err: err.message }, 'idle PostgreSQL connection failed; it is replaced on next use'));
  return pool;
}

type Queryable = Pool | PoolClient;

/** Runs one statement and counts it as one database round trip. */
export async function query<R extends QueryResultRow = QueryResultRow>(
  db: Queryable,
  purpose: RoundTripPurpose,
  q: string | QueryConfig,
  values?: unknown[],
): Promise<QueryResult<R>> {
  persistMetrics.roundTrips.inc({ purpose });
  return typeof q === 'string' ? db.query<R>(q, values) : db.query<R>(q);
}

const transientCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57014', // query_canceled (statement timeout under overload)
]);
const transientMessages = [/connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /connection .*(closed|ended)/i, /terminating connection/i];

/**
 * Whether a database error goes away by itself (the server is down, restarting, overloaded or a
 * transaction lost a race): the stage retries those forever with backoff instead of dead-lettering.
 */
export function isTransientDbError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if ((err as { transient?: boolean }).transient === true) return true;
  const code = String((err as { code?: unknown }).code ?? '');
  if (transientCodes.has(code)) return true;
  // Class 08: connection exceptions; class 53: insufficient resources (too many connections, disk full).
  if (/^(08|53)/.test(code) && code.length === 5) return true;
  const message = String((err as { message?: unknown }).message ?? '');
  return transientMessages.some((re) => re.test(message));
}
