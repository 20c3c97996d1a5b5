export * from './normalise';
export * from './language';
export * from './extract';
export * from './url';
export * from './keywords';
export { STOPWORDS } from './stopwords';
