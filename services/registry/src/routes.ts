import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@sluice/runtime';
import { parseSchema, type ParsedSchema } from './avro';
import { parseCompatibilityLevel } from './compatibility';
import { errors, RegistryError } from './errors';
import { registryMetrics } from './metrics';
import type { RegistryService, VersionRef } from './service';

const ACCEPTED_TYPES = new Set(['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream']);
export const RESPONSE_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_VERSION = 2 ** 31 - 1;

/** The Confluent Schema Registry REST subset that Avro serializers and the usual tooling use. */
export function registryRoutes(service: RegistryService, logger: Logger): express.Router {
  const router = express.Router();
  router.use(countRequests);
  router.use(checkContentType);
  router.use(express.json({ type: () => true, limit: '16mb' }));

  router.get('/', (_req, res) => send(res, {}));
  router.get('/schemas/types', (_req, res) => send(res, ['AVRO']));
  router.get('/schemas/ids/:id', async (req, res) => send(res, { schema: await service.schemaById(idParam(req)) }));
  router.get('/schemas/ids/:id/schema', async (req, res) => sendRaw(res, await service.schemaById(idParam(req))));
  router.get('/schemas/ids/:id/versions', async (req, res) => send(res, await service.usagesOf(idParam(req), flag(req, 'deleted'))));
  router.get('/schemas/ids/:id/subjects', async (req, res) => {
    const usages = await service.usagesOf(idParam(req), flag(req, 'deleted'));
    send(res, [...new Set(usages.map((u) => u.subject))]);
  });

  router.get('/subjects', async (req, res) => send(res, await service.subjects(flag(req, 'deleted'))));
  router.post('/subjects/:subject', async (req, res) => send(res, await service.lookup(subject(req), schemaFromBody(req), flag(req, 'deleted'))));
  router.delete('/subjects/:subject', async (req, res) => {
    refusePermanent(req);
    send(res, await service.deleteSubject(subject(req)));
  });
  router.get('/subjects/:subject/versions', async (req, res) => send(res, await service.versions(subject(req), flag(req, 'deleted'))));
  router.post('/subjects/:subject/versions', async (req, res) => send(res, await service.register(subject(req), schemaFromBody(req))));
  router.get('/subjects/:subject/versions/:version', async (req, res) =>
    send(res, await service.version(subject(req), versionParam(req), flag(req, 'deleted'))),
  );
  router.get('/subjects/:subject/versions/:version/schema', async (req, res) => {
    sendRaw(res, (await service.version(subject(req), versionParam(req), flag(req, 'deleted'))).schema);
  });
  router.get('/subjects/:subject/versions/:version/referencedby', async (req, res) => {
    await service.version(subject(req), versionParam(req), true);
    send(res, []); // schema references are not supported, so nothing refers to anything
  });
  router.delete('/subjects/:subject/versions/:version', async (req, res) => {
    refusePermanent(req);
    send(res, await service.deleteVersion(subject(req), versionParam(req)));
  });

  const compatibility = async (req: Request, res: Response, version: VersionRef | undefined) => {
    const result = await service.testCompatibility(subject(req), version, schemaFromBody(req));
    const messages = flag(req, 'verbose')
      ? [...result.messages, `compatibility level ${result.level}, checked against version(s) [${result.checked.join(', ')}]`]
      : result.messages;
    send(res, { is_compatible: result.messages.length === 0, messages });
  };
  router.post('/compatibility/subjects/:subject/versions/:version', (req, res) => compatibility(req, res, versionParam(req)));
  router.post('/compatibility/subjects/:subject/versions', (req, res) => compatibility(req, res, undefined));

  router.get('/config', async (_req, res) => send(res, { compatibilityLevel: await service.globalCompatibility() }));
  router.put('/config', async (req, res) => send(res, { compatibility: await service.setCompatibility(null, levelFromBody(req)) }));
  router.delete('/config', async (_req, res) => send(res, { compatibilityLevel: await service.deleteCompatibility(null) }));
  router.get('/config/:subject', async (req, res) =>
    send(res, { compatibilityLevel: await service.subjectCompatibility(subject(req), flag(req, 'defaultToGlobal')) }),
  );
  router.put('/config/:subject', async (req, res) => send(res, { compatibility: await service.setCompatibility(subject(req), levelFromBody(req)) }));
  router.delete('/config/:subject', async (req, res) => send(res, { compatibilityLevel: await service.deleteCompatibility(subject(req)) }));

  // Serializers probe the mode before writing; this registry is always writable.
  router.get('/mode', (_req, res) => send(res, { mode: 'READWRITE' }));
  router.get('/mode/:subject', (_req, res) => send(res, { mode: 'READWRITE' }));

  router.use((_req, _res, next) => next(errors.routeNotFound()));
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => handleError(err, res, logger));
  return router;
}

function send(res: Response, body: unknown, status = 200): void {
  // A Buffer keeps Express from appending "; charset=utf-8" to the Confluent media type.
  res.status(status).type(RESPONSE_TYPE).send(Buffer.from(JSON.stringify(body)));
}

/** The /schema endpoints answer with the schema document itself. */
function sendRaw(res: Response, schema: string): void {
  res.status(200).type(RESPONSE_TYPE).send(Buffer.from(schema));
}

function handleError(err: unknown, res: Response, logger: Logger): void {
  if (err instanceof RegistryError) return send(res, err.toJSON(), err.status);
  const bodyError = err as { type?: string; status?: number; message?: string };
  if (bodyError.type === 'entity.parse.failed') return send(res, { error_code: 400, message: `Unrecognized JSON body: ${bodyError.message}` }, 400);
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return send(res, { error_code: bodyError.status, message: bodyError.message ?? 'bad request' }, bodyError.status);
  }
  logger.error({ err }, 'registry request failed');
  send(res, { error_code: 500, message: `Internal error: ${(err as Error)?.message ?? String(err)}` }, 500);
}

function countRequests(req: Request, res: Response, next: NextFunction): void {
  const end = registryMetrics.requestSeconds.startTimer();
  res.on('finish', () => {
    const route = (req.route?.path as string | undefined) ?? 'unmatched';
    registryMetrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
    end({ route, method: req.method });
  });
  next();
}

function checkContentType(req: Request, _res: Response, next: NextFunction): void {
  const header = req.headers['content-type'];
  if (!header || req.method === 'GET' || req.method === 'DELETE') return next();
  const mime = header.split(';')[0]!.trim().toLowerCase();
  next(ACCEPTED_TYPES.has(mime) ? undefined : errors.unsupportedMediaType(mime));
}

function subject(req: Request): string {
  return String(req.params.subject);
}

function flag(req: Request, name: string): boolean {
  return String(req.query[name] ?? '').toLowerCase() === 'true';
}

function idParam(req: Request): number {
  const raw = String(req.params.id);
  const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw errors.schemaNotFound(`Schema ${raw} not found`);
  return id;
}

function versionParam(req: Request): VersionRef {
  const raw = String(req.params.version);
  if (raw === 'latest' || raw === '-1') return 'latest';
  const version = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) throw errors.invalidVersion(raw);
  return version;
}

function schemaFromBody(req: Request): ParsedSchema {
  const body = req.body as { schema?: unknown; schemaType?: unknown; references?: unknown } | undefined;
  if (!body || typeof body !== 'object') throw errors.invalidSchema('the request body must be a JSON object with a "schema" field');
  const schemaType = body.schemaType ?? 'AVRO';
  if (typeof schemaType !== 'string' || schemaType.toUpperCase() !== 'AVRO') {
    throw errors.invalidSchema(`schema type ${JSON.stringify(schemaType)} is not supported; this registry supports AVRO only`);
  }
  if (Array.isArray(body.references) && body.references.length > 0) throw errors.invalidSchema('schema references are not supported; send the schema fully expanded');
  return parseSchema(body.schema);
}

function levelFromBody(req: Request) {
  const requested = (req.body as { compatibility?: unknown } | undefined)?.compatibility;
  const level = parseCompatibilityLevel(requested);
  if (!level) throw errors.invalidCompatibilityLevel(requested);
  return level;
}

function refusePermanent(req: Request): void {
  if (flag(req, 'permanent')) throw errors.notImplemented('permanent deletes are not supported: versions are only soft-deleted, and their schemas stay readable by id');
}
