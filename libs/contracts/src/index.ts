export * from './topics';
export * from './schemas';
export * from './ids';
export * from './event-time';
export type * from './generated/types';
