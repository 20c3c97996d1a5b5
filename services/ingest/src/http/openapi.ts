import { naming } from '@sluice/contracts';
import { rawEventInputSchema, rawEventSchema, type JsonSchema } from '../events';
import type { IngestLimits } from './routes';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

function problem(description: string, extra: Record<string, unknown> = {}) {
  return { description, content: json(ref('Problem')), ...extra };
}

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};

/**
 * The OpenAPI 3.1 document of the ingest API. The event schemas are generated from
 * schemas/RawEvent.avsc, the same schema that validates requests; only the response envelopes are
 * written here.
 */
export function openApiDocument(limits: IngestLimits): Record<string, unknown> {
  const errors = {
    '401': problem('No API key was presented.'),
    '403': problem('The API key is not recognised.'),
    '413': problem(`The body is larger than ${limits.maxBodyBytes} bytes, or the batch holds more than ${limits.maxBatchEvents} events.`),
    '415': problem('Content-Type is not one this route accepts.'),
    '429': problem(
      'The API key exceeded its rate limit (events per second, token bucket), or ingest is shedding load because a downstream consumer group lags past its bound; the body says which.',
      { headers: retryAfter },
    ),
    '503': problem('Kafka did not acknowledge the events within the bounded time; none of them should be considered accepted.', { headers: retryAfter }),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice ingest API',
      version: '1',
      description:
        'Producers send events over HTTP; each is validated against the RawEvent Avro schema and produced to ' +
        `the raw topic (${naming().topic('raw')}). 202 is answered only after Kafka acknowledged the events (acks=all).`,
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send one event',
          operationId: 'sendEvent',
          requestBody: { required: true, content: json(ref('RawEventInput')) },
          responses: {
            '202': { description: 'Accepted: Kafka acknowledged the event.', content: json(ref('EventAccepted')) },
            '400': { description: 'The body is not JSON, or the event violates the schema; reasons name each field.', content: json(ref('EventRejected')) },
            ...errors,
          },
        },
      },
      '/v1/events/batch': {
        post: {
          summary: 'Send a batch of events',
          operationId: 'sendBatch',
          description:
            'Valid events are produced even when others in the batch are rejected. 202 when every event was accepted, ' +
            '207 (Multi-Status) when some were and some were not, 400 when none was valid. The results list one entry per event, in order.',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'array', items: ref('RawEventInput'), minItems: 1, maxItems: limits.maxBatchEvents } },
              'application/x-ndjson': {
                schema: { type: 'string', description: `One RawEventInput JSON object per line, at most ${limits.maxBatchEvents} lines.` },
              },
            },
          },
          responses: {
            '202': { description: 'Every event was accepted and acknowledged by Kafka.', content: json(ref('BatchResult')) },
            '207': { description: 'Some events were accepted (and acknowledged by Kafka), some rejected.', content: json(ref('BatchResult')) },
            '400': { description: 'The body is not JSON, or no event was valid.', content: json({ oneOf: [ref('BatchResult'), ref('Problem')] }) },
            ...errors,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The API key as a bearer token.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        RawEventInput: rawEventInputSchema(),
        RawEvent: { ...rawEventSchema(), description: 'A RawEvent as it is on the raw topic (Avro, Confluent wire format), for reference.' },
        EventAccepted: {
          type: 'object',
          required: ['status', 'id'],
          properties: { status: { const: 'accepted' }, id: { type: 'string', description: 'The event id (the one sent, or the ULID ingest assigned).' } },
        },
        EventRejected: {
          type: 'object',
          required: ['error', 'reasons'],
          properties: { error: { type: 'string' }, reasons: { type: 'array', items: { type: 'string' }, description: 'One per problem, each naming the field: "author.id: expected string, got 42".' } },
        },
        BatchResult: {
          type: 'object',
          required: ['accepted', 'rejected', 'results'],
          properties: {
            accepted: { type: 'integer' },
            rejected: { type: 'integer' },
            results: {
              type: 'array',
              items: {
                oneOf: [
                  { type: 'object', required: ['status', 'id'], properties: { status: { const: 'accepted' }, id: { type: 'string' } } },
                  {
                    type: 'object',
                    required: ['status', 'reasons'],
                    properties: { status: { const: 'rejected' }, reasons: { type: 'array', items: { type: 'string' }, description: 'Each names the field: "events[3].author.id: expected string, got 42".' } },
                  },
                ],
              },
            },
          },
        },
        Problem: {
          type: 'object',
          required: ['error', 'reason'],
          properties: {
            error: { type: 'string', description: 'Short name of the problem.' },
            reason: { type: 'string', description: 'What was wrong and what to do.' },
            shedding: {
              type: 'object',
              description: 'When shedding load: the lagging consumer group and how far behind it is.',
              properties: {
                group: { type: 'string' },
                lagRecords: { type: 'integer' },
                lagSeconds: { type: 'number' },
                drainRate: { type: 'number', description: 'Records per second the group commits.' },
                retryAfterSeconds: { type: 'integer' },
              },
            },
            ids: { type: 'array', items: { type: ['string', 'null'] }, description: 'On 503: the id of each event of the request (null for invalid ones).' },
          },
        },
      },
    },
  };
}
