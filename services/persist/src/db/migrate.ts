import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '@sluice/runtime';
import { query } from './pool';

/** migrations/ ships beside src/ and dist/ in the package. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** Reads NNN_name.sql files in version order; refuses misnamed files and duplicate versions. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE.exec(file);
    if (!m) throw new Error(`migration file ${file} in ${dir}: expected a name like 001_create_events.sql (version digits, underscore, lower-case name)`);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new Error(`migration version ${version} appears twice in ${dir}`);
    out.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

// Any constant: every instance and the migrate command take the same lock.
const LOCK_KEY = 0x51_1c_e0_01;

/**
 * Applies pending migrations in one transaction under an advisory lock (concurrent starts wait, then
 * find nothing to do), recording each in schema_migrations. An applied migration whose file changed
 * since is an error: migrations are append-only.
 */
export async function migrate(pool: Pool, logger: Logger, migrations = loadMigrations()): Promise<string[]> {
  const client = await pool.connect();
  // A checked-out connection has no pool listener: a reset must reject the query, not end the process.
  let broken: Error | undefined;
  const onError = (e: Error) => (broken ??= e);
  client.on('error', onError);
  const applied: string[] = [];
  try {
    await query(client, 'migrate', 'BEGIN');
    await query(client, 'migrate', 'SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await query(
      client,
      'migrate',
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await query<{ version: number; name: string; checksum: string }>(client, 'migrate', 'SELECT version, name, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was changed after it was applied (as ${prior.name}); add a new migration instead of editing an applied one`);
        }
        continue;
      }
      try {
        await query(client, 'migrate', m.sql);
      } catch (e) {
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      await query(client, 'migrate', 'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      applied.push(m.name);
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknown = rows.filter((r) => !known.has(r.version));
    if (unknown.length) logger.warn({ unknown: unknown.map((r) => r.name) }, 'the database has migrations this build does not know (a newer version ran against it)');
    await query(client, 'migrate', 'COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
  if (applied.length) logger.info({ applied }, 'migrations applied');
  else logger.info('schema up to date');
  return applied;
}
