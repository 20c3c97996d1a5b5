export * from './kafka-perf';
export * from './stats';
