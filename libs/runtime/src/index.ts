export * from './config';
export * from './log';
export * from './metrics';
export * from './http';
export * from './kafka';
export * from './registry';
export * from './stage';
export * from './auth';
