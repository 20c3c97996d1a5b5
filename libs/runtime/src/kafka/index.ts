export * from './producer';
export * from './admin';
export * from './lag';
