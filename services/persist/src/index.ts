export { persistStage, type PersistOptions, type PersistStage } from './stage';
export { createQueryApi, openApiDocument, type QueryApi, type QueryApiOptions } from './query/api';
export { CacheVersions, QueryCache } from './query/cache';
export { persistConfig } from './config';
export { migrate, loadMigrations, MIGRATIONS_DIR } from './db/migrate';
export { createPool, isTransientDbError } from './db/pool';
export { prepareBatch, versionOrder, confirmations, toEventRow, toAlertRow } from './write/rows';
