/** The whole pipeline as separate processes on a fresh prefix and database, for system tests. */
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { BROKERS, REGISTRY_URL, provision, uniquePrefix } from './kafka';
import { dropDatabase } from './db';
import { startService, type ServiceProcess } from './processes';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice';

export interface Pipeline {
  prefix: string;
  dbUrl: string;
  apiKey: string;
  token: string;
  procs: Record<'ingest' | 'enrich' | 'score' | 'persist' | 'notify', ServiceProcess>;
  db: Client;
  close(): Promise<void>;
}

export async function startPipeline(name: string, extraEnv: Record<string, Record<string, string>> = {}): Promise<Pipeline> {
  const prefix = uniquePrefix(name);
  const dbName = `${name.replace(/\W/g, '_')}_${Date.now().toString(36)}`;
  const dbUrl = DATABASE_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  await provision(prefix);
  const apiKey = `${name}-producer-key-0001`;
  const token = `${name}-analyst-token-0001`;
  const common = { KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix, STAGE_LAG_INTERVAL_MS: '2000' };
  const keyHash = createHash('sha256').update(apiKey).digest('hex');
  const procs = {} as Pipeline['procs'];
  procs.persist = await startService('persist', { ...common, DATABASE_URL: dbUrl, PERSIST_API_TOKENS: `analyst:${token}`, ...extraEnv.persist });
  procs.notify = await startService('notify', { ...common, NOTIFY_TOKENS: `analyst:${token}`, ...extraEnv.notify });
  procs.score = await startService('score', { ...common, ...extraEnv.score });
  procs.enrich = await startService('enrich', { ...common, ...extraEnv.enrich });
  procs.ingest = await startService('ingest', { ...common, INGEST_API_KEYS: `${name}:${keyHash}`, INGEST_LAG_INTERVAL_MS: '0', ...extraEnv.ingest });
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  // A database outage (fault tests) breaks this connection; its error must not crash the test run.
  db.on('error', () => undefined);
  return {
    prefix,
    dbUrl,
    apiKey,
    token,
    procs,
    db,
    async close() {
      await Promise.all(Object.values(procs).map((p) => p.stop()));
      await db.end().catch(() => undefined);
      await dropDatabase(DATABASE_URL, dbName);
    },
  };
}
