export { createIngestHandler, createIngestRoutes, type IngestHandler, type IngestLimits, type IngestParts } from './routes';
export { openApiDocument } from './openapi';
export { contentType, parseNdjson, readBody, BodyTooLarge, LineError } from './body';
