/** One jest run over every package. Workspace imports resolve to TypeScript sources, compiled by swc. */
const libs = ['contracts', 'runtime', 'client', 'text'];
const services = ['registry', 'ingest', 'enrich', 'score', 'persist', 'notify'];

// Two phases (deploy/test.sh runs both): the package suites in parallel, then the system tests (the
// whole pipeline as processes, fault injection that restarts the shared broker and database, hostile
// input) one at a time, since they would disturb anything running beside them.
// persist's outage test stops the shared PostgreSQL, so it runs with the system tests.
const system = ['/test/e2e/', '/test/faults/', '/test/hostile/', '/services/persist/src/persist\\.kafka\\.test\\.ts$'];
const systemMatch = ['**/test/e2e/**/*.test.ts', '**/test/faults/**/*.test.ts', '**/test/hostile/**/*.test.ts', '**/services/persist/src/persist.kafka.test.ts'];
const systemPhase = process.env.SLUICE_TEST_PHASE === 'system';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', ...(systemPhase ? [] : system)],
  ...(systemPhase ? { testMatch: systemMatch } : {}),
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    [`^@sluice/(${libs.join('|')})$`]: '<rootDir>/libs/$1/src',
    [`^@sluice/(${services.join('|')})$`]: '<rootDir>/services/$1/src',
    '^@sluice/(cli|bench|simulator)$': '<rootDir>/tools/$1/src',
  },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: systemPhase ? 1 : 2,
  // Every test file gets a fresh worker process (any worker is over this after a file): native Kafka
  // clients a file leaves behind cannot crash a later file's worker (seen once as a SIGSEGV in CI).
  workerIdleMemoryLimit: '50MB',
  verbose: true,
};
