import type { RunningRegistry } from './registry';
import { api, deleteTopic, foo, SR_CONTENT_TYPE, startTestRegistry, uniqueTopic } from './test-support';

const topic = uniqueTopic('api');
let registry: RunningRegistry;
let client: ReturnType<typeof api>;

beforeAll(async () => {
  registry = await startTestRegistry(topic);
  client = api(registry.url);
});
afterAll(async () => {
  await registry?.close();
  await deleteTopic(topic);
});

const base = [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }];

describe('register, look up and read back', () => {
  const subject = 'roundtrip-value';
  const schema = foo(base);

  it('registers a schema and reads it back every way', async () => {
    const registered = await client.register(subject, schema);
    expect(registered.status).toBe(200);
    expect(registered.contentType).toBe(SR_CONTENT_TYPE);
    const { id } = registered.body;
    expect(id).toBeGreaterThan(0);

    const canonical = JSON.stringify({ name: 'dev.sluice.events.Foo', type: 'record', fields: base });
    expect((await client.schema(id)).body).toEqual({ schema: canonical });
    expect((await client.versions(subject)).body).toEqual([1]);
    expect((await client.version(subject, 1)).body).toEqual({ subject, id, version: 1, schema: canonical });
    expect((await client.version(subject, 'latest')).body).toEqual({ subject, id, version: 1, schema: canonical });
    expect((await client.lookup(subject, schema)).body).toEqual({ subject, id, version: 1, schema: canonical });
    expect((await client.subjects()).body).toContain(subject);
    expect((await client.call('GET', `/schemas/ids/${id}/versions`)).body).toEqual([{ subject, version: 1 }]);
    expect((await client.call('GET', '/schemas/types')).body).toEqual(['AVRO']);
  });

  it('returns the existing id for an identical schema, however it is written, without a new version', async () => {
    const first = (await client.register(subject, schema)).body.id;
    const reformatted = `{ "fields": ${JSON.stringify(base, null, 2)}, "namespace": "dev.sluice.events", "type": "record", "name": "Foo" }`;
    expect((await client.register(subject, reformatted)).body).toEqual({ id: first });
    expect((await client.versions(subject)).body).toEqual([1]);
  });

  it('gives the same schema under another subject the same id', async () => {
    const first = (await client.register(subject, schema)).body.id;
    expect((await client.register('roundtrip-other-value', schema)).body).toEqual({ id: first });
    expect((await client.call('GET', `/schemas/ids/${first}/versions`)).body).toEqual([
      { subject: 'roundtrip-other-value', version: 1 },
      { subject, version: 1 },
    ]);
  });

  it('answers in the Confluent error shape', async () => {
    expect(await client.version('nobody-value', 1)).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(await client.version(subject, 7)).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await client.version(subject, 'seven' as never)).toMatchObject({ status: 422, body: { error_code: 42202 } });
    expect(await client.schema(999_999)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await client.lookup(subject, foo([{ name: 'other', type: 'int' }]))).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await client.register(subject, '{"type": "recrd"}')).toMatchObject({ status: 422, body: { error_code: 42201 } });
    expect(await client.call('POST', `/subjects/${subject}/versions`, { schema: '"int"', schemaType: 'PROTOBUF' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    expect(await client.setConfig(subject, 'SIDEWAYS')).toMatchObject({ status: 422, body: { error_code: 42203 } });
    const wrongType = await client.call('POST', `/subjects/${subject}/versions`, 'schema=1', 'application/x-www-form-urlencoded');
    expect(wrongType).toMatchObject({ status: 415, body: { error_code: 415 } });
  });

  it('accepts every Confluent request media type', async () => {
    for (const type of ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json']) {
      const res = await client.call('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(schema) }, type);
      expect(res.status).toBe(200);
    }
  });
});

describe('compatibility', () => {
  it('refuses a field added without a default under BACKWARD, naming the field, and accepts one with a default', async () => {
    const subject = 'compat-backward-value';
    await client.register(subject, foo(base));
    const refused = await client.register(subject, foo([...base, { name: 'score', type: 'double' }]));
    expect(refused.status).toBe(409);
    expect(refused.body.error_code).toBe(409);
    expect(refused.body.message).toContain(
      'field "score" (double) was added to record dev.sluice.events.Foo without a default: a reader of the new schema cannot read data written with version 1',
    );
    expect((await client.versions(subject)).body).toEqual([1]);

    const accepted = await client.register(subject, foo([...base, { name: 'score', type: 'double', default: 0 }]));
    expect(accepted.status).toBe(200);
    expect((await client.versions(subject)).body).toEqual([1, 2]);
  });

  it('lets anything through once the subject is NONE, and only that subject', async () => {
    const subject = 'compat-none-value';
    await client.register(subject, foo(base));
    expect(await client.setConfig(subject, 'NONE')).toMatchObject({ status: 200, body: { compatibility: 'NONE' } });
    expect((await client.call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await client.register(subject, foo([{ name: 'totally', type: 'boolean' }]))).status).toBe(200);

    expect((await client.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect(await client.call('GET', '/config/compat-backward-value')).toMatchObject({ status: 404, body: { error_code: 40408 } });
    expect((await client.call('GET', '/config/compat-backward-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });

    expect((await client.call('DELETE', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    expect(await client.register(subject, foo([{ name: 'totally', type: 'boolean' }, { name: 'x', type: 'int' }]))).toMatchObject({ status: 409 });
  });

  it('FORWARD refuses removing a field without default and allows adding one', async () => {
    const subject = 'compat-forward-value';
    await client.setConfig(subject, 'FORWARD');
    await client.register(subject, foo(base));
    const refused = await client.register(subject, foo([base[0]!]));
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('field "count" (int) was removed from record dev.sluice.events.Foo, and version 1 declares it without a default');
    expect((await client.register(subject, foo([...base, { name: 'score', type: 'double' }]))).status).toBe(200);
  });

  it('FULL needs both directions', async () => {
    const subject = 'compat-full-value';
    await client.setConfig(subject, 'FULL');
    await client.register(subject, foo(base));
    expect((await client.register(subject, foo([...base, { name: 'score', type: 'double' }]))).status).toBe(409);
    expect((await client.register(subject, foo([base[0]!]))).status).toBe(409);
    const promoted = await client.register(subject, foo([base[0]!, { name: 'count', type: 'long' }]));
    expect(promoted.status).toBe(409);
    expect(promoted.body.message).toContain('changed type from int to long (long cannot be read as int): a reader of version 1 cannot read data written with the new schema');
    expect((await client.register(subject, foo([...base, { name: 'score', type: 'double', default: 0 }]))).status).toBe(200);
  });

  it('the compatibility endpoint answers without registering', async () => {
    const subject = 'compat-backward-value';
    const check = await client.compatible(subject, foo([...base, { name: 'more', type: 'string' }]));
    expect(check.status).toBe(200);
    expect(check.body.is_compatible).toBe(false);
    expect(check.body.messages[0]).toContain('field "more" (string) was added to record dev.sluice.events.Foo without a default');
    const verbose = await client.compatible(subject, foo([...base, { name: 'more', type: 'string', default: '' }]), 1, true);
    expect(verbose.body.is_compatible).toBe(true);
    expect(verbose.body.messages).toEqual(['compatibility level BACKWARD, checked against version(s) [1]']);
    expect((await client.compatible('nobody-value', foo(base))).body.error_code).toBe(40401);
    expect((await client.versions(subject)).body).toEqual([1, 2]);
  });
});

describe('soft deletes', () => {
  it('hides deleted versions and subjects but keeps their schemas readable by id', async () => {
    const subject = 'deletes-value';
    const { id } = (await client.register(subject, foo([{ name: 'gone', type: 'int' }]))).body;
    await client.register(subject, foo([{ name: 'gone', type: 'int' }, { name: 'b', type: 'int', default: 1 }]));
    expect((await client.call('DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1);
    expect((await client.versions(subject)).body).toEqual([2]);
    expect((await client.call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect((await client.call('DELETE', `/subjects/${subject}`)).body).toEqual([2]);
    expect((await client.subjects()).body).not.toContain(subject);
    expect((await client.schema(id)).status).toBe(200);
    expect(await client.call('DELETE', `/subjects/${subject}?permanent=true`)).toMatchObject({ status: 501 });
  });
});

describe('ops endpoints', () => {
  it('is ready and exports registry metrics', async () => {
    expect((await fetch(`${registry.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${registry.url}/metrics`)).text();
    expect(metrics).toMatch(/sluice_registry_requests_total\{route="\/subjects\/:subject\/versions",method="POST",status="409"\} \d+/);
    expect(metrics).toMatch(/sluice_registry_schemas \d+/);
  });
});
