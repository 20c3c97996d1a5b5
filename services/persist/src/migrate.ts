import { createLogger, env, loadConfig } from '@sluice/runtime';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';

// `pnpm migrate` / `node dist/migrate.js`: applies pending migrations and exits.
async function main(): Promise<void> {
  const logger = createLogger('persist-migrate');
  let config: { DATABASE_URL: string };
  try {
    config = loadConfig({ DATABASE_URL: env.url('postgres://sluice:sluice@127.0.0.1:5432/sluice') });
  } catch (e) {
    logger.fatal((e as Error).message);
    process.exit(2);
  }
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: 1, applicationName: 'sluice-persist-migrate', logger });
  try {
    await migrate(pool, logger);
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, 'migration failed');
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

void main();
