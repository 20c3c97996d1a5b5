export * from './types';
export * from './runner';
export * from './dead-letter';
export * from './main';
