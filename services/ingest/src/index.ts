export { ingestConfig, ingestConfigFrom, checkIngestConfig, type IngestConfig } from './config';
export { createIngestApp, startIngest, type IngestApp, type RunningIngest } from './service';
export { createIngestHandler, createIngestRoutes, openApiDocument, type IngestHandler, type IngestParts, type IngestLimits } from './http';
export { EventValidator, eventKey, avroToJsonSchema, rawEventInputSchema, rawEventSchema, ulidFactory, ulidTime } from './events';
export { ApiKeyring, RateLimiter, hashApiKey, parseApiKeys, readApiKeys } from './producers';
export { LoadShedder, decide, watchedGroups, type ShedBounds, type Shedding } from './shedding';
export { KafkaSink, KafkaUnavailable, type EventSink } from './sink';
