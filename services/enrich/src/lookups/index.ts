export * from './types';
export * from './circuit-breaker';
export * from './retry-budget';
export * from './resilient';
export * from './run';
export * from './link-metrics';
