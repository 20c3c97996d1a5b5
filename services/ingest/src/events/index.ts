export { EventValidator, eventKey, show, type EventCheck, type Stamp } from './validate';
export { avroToJsonSchema, rawEventInputSchema, rawEventSchema, type JsonSchema } from './json-schema';
export { ulidFactory, ulidTime } from '@sluice/contracts';
export { SET_BY_INGEST, OPTIONAL_ON_INPUT, STRING_RULES } from './rules';
export { RawEventEncoder } from './encoder';
