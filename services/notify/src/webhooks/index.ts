export * from './signing';
export * from './backoff';
export * from './dispatcher';
export * from './progress';
