export * from './client';
export * from './serde';
