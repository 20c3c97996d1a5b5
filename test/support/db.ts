import { Client } from 'pg';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DROP DATABASE … WITH (FORCE) as the unprivileged sluice role. FORCE terminates the connections of
 * that role, but an autovacuum worker that happens to be in the database cannot be terminated without
 * pg_signal_backend (SQLSTATE 42501), so the drop is simply tried again once the worker is done.
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '42501' || attempt >= 20) throw e;
    } finally {
      await c.end();
    }
    await sleep(500);
  }
}
