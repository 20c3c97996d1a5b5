export * from './topics';
export * from './schemas';
export type * from './generated/types';
