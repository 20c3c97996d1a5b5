export * from './exact';
export * from './simhash';
