/** A throwaway database per test file on the real PostgreSQL (never a mock), dropped afterwards. */
import { Client, Pool } from 'pg';
import { dropDatabase } from '../../../test/support/db';

export const BASE_URL = process.env.DATABASE_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(tag: string): Promise<TestDatabase> {
  const name = `persist_test_${tag}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toLowerCase();
  const admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 3, options: '-c TimeZone=UTC' });
  pool.on('error', () => undefined);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await dropDatabase(BASE_URL, name);
    },
  };
}
