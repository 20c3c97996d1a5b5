export * from './topics';
export * from './schemas';
export * from './ids';
export type * from './generated/types';
