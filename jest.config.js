/** One jest run over every package. Workspace imports resolve to TypeScript sources, compiled by swc. */
const libs = ['contracts', 'runtime', 'client'];
const services = ['registry', 'ingest', 'enrich', 'score', 'persist', 'notify'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    [`^@sluice/(${libs.join('|')})$`]: '<rootDir>/libs/$1/src',
    [`^@sluice/(${services.join('|')})$`]: '<rootDir>/services/$1/src',
    '^@sluice/(cli|bench)$': '<rootDir>/tools/$1/src',
  },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  testTimeout: 60_000,
  maxWorkers: 2,
  verbose: true,
};
