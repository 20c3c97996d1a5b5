import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '@sluice/runtime';
import { startRegistry, type RunningRegistry } from '../registry';

/** Helpers for the registry's integration tests (excluded from the build). */

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function uniqueTopic(label: string): string {
  return `_sluice_schemas_test_${label}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Removes a test's registry topic so test runs do not pile up topics on the broker. */
export async function deleteTopic(topic: string): Promise<void> {
  const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

export function startTestRegistry(topic: string): Promise<RunningRegistry> {
  return startRegistry({ brokers: BROKERS, topic, port: 0, logger: createLogger('registry-test', process.env.TEST_LOG_LEVEL ?? 'silent') });
}

export const SR_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Present when the registry answered with an error. */
export interface ErrorBody {
  error_code?: number;
  message?: string;
}

export interface ApiResponse<T = any> {
  status: number;
  contentType: string | null;
  body: T & ErrorBody;
}

/** A small client for the REST API as a Confluent serializer would call it. */
export function api(baseUrl: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, contentType = SR_CONTENT_TYPE): Promise<ApiResponse<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    register: (subject: string, schema: object | string) =>
      call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: typeof schema === 'string' ? schema : JSON.stringify(schema) }),
    lookup: (subject: string, schema: object) => call('POST', `/subjects/${encodeURIComponent(subject)}`, { schema: JSON.stringify(schema) }),
    versions: (subject: string) => call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`),
    version: (subject: string, version: number | 'latest') => call('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`),
    schema: (id: number) => call<{ schema: string }>('GET', `/schemas/ids/${id}`),
    subjects: () => call<string[]>('GET', '/subjects'),
    setConfig: (subject: string | null, compatibility: string) => call('PUT', subject === null ? '/config' : `/config/${encodeURIComponent(subject)}`, { compatibility }),
    compatible: (subject: string, schema: object, version: number | 'latest' = 'latest', verbose = false) =>
      call<{ is_compatible: boolean; messages: string[] }>(
        'POST',
        `/compatibility/subjects/${encodeURIComponent(subject)}/versions/${version}${verbose ? '?verbose=true' : ''}`,
        { schema: JSON.stringify(schema) },
      ),
  };
}

/** A record schema `Foo` in `dev.sluice.events` with the given fields. */
export function foo(fields: object[], name = 'Foo'): object {
  return { type: 'record', name, namespace: 'dev.sluice.events', fields };
}

/** Everything a client can observe about a registry, for comparing instances. */
export async function snapshot(baseUrl: string) {
  const client = api(baseUrl);
  const subjects = (await client.call<string[]>('GET', '/subjects?deleted=true')).body;
  const out: Record<string, unknown> = { global: (await client.call('GET', '/config')).body, subjects: {} };
  for (const subject of subjects) {
    const versions = (await client.call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions?deleted=true`)).body;
    const live = (await client.call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`)).body;
    const entries = [];
    for (const v of versions) entries.push((await client.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/${v}?deleted=true`)).body);
    const config = (await client.call('GET', `/config/${encodeURIComponent(subject)}`)).body;
    (out.subjects as Record<string, unknown>)[subject] = { live, entries, config };
  }
  return out;
}

/** Polls until `probe` returns a value `done` accepts; fails with the last value after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
