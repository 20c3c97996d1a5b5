import type { RunningRegistry } from './registry';
import { api, deleteTopic, eventually, foo, snapshot, startTestRegistry, uniqueTopic } from './test-support';

const base = [{ name: 'id', type: 'string' }];
const topic = uniqueTopic('cluster');
let a: RunningRegistry;
let b: RunningRegistry;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestRegistry(topic), startTestRegistry(topic)]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await deleteTopic(topic);
});

describe('several instances on one topic', () => {
  it('serves what was registered through one instance from the other, straight away', async () => {
    const { id } = (await api(a.url).register('shared-value', foo(base))).body;
    expect((await api(b.url).schema(id)).body.schema).toContain('dev.sluice.events.Foo');
    expect((await api(b.url).version('shared-value', 1)).body).toMatchObject({ id, version: 1 });
    expect((await api(b.url).register('shared-value', foo(base))).body).toEqual({ id });
  });

  it('agrees on ids and versions after concurrent registrations of different schemas through both', async () => {
    const subject = 'concurrent-value';
    await api(a.url).register(subject, foo(base));
    // Each adds its own optional field, so every order of them is compatible and all must be accepted.
    const schemas = Array.from({ length: 12 }, (_, i) => foo([...base, { name: `f${i}`, type: 'int', default: i }]));
    const responses = await Promise.all(schemas.map((s, i) => api(i % 2 ? b.url : a.url).register(subject, s)));
    expect(responses.map((r) => r.status)).toEqual(schemas.map(() => 200));
    const ids = responses.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(schemas.length);

    const expected = await eventually(() => api(a.url).versions(subject), (r) => r.body.length === schemas.length + 1);
    expect(expected.body).toEqual(Array.from({ length: schemas.length + 1 }, (_, i) => i + 1));
    await eventually(() => api(b.url).versions(subject), (r) => r.body.length === schemas.length + 1);
    const [snapA, snapB] = await Promise.all([snapshot(a.url), snapshot(b.url)]);
    expect(snapB).toEqual(snapA);
    const registeredIds = (snapA.subjects as Record<string, { entries: Array<{ id: number }> }>)[subject]!.entries.map((e) => e.id);
    expect(registeredIds.slice(1).sort()).toEqual([...ids].sort());
  });

  it('registers one version when the same schema arrives through both instances at once', async () => {
    const subject = 'same-schema-value';
    const schema = foo([...base, { name: 'twice', type: 'string', default: '' }]);
    const responses = await Promise.all([api(a.url).register(subject, schema), api(b.url).register(subject, schema), api(a.url).register(subject, schema)]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect((await api(a.url).versions(subject)).body).toEqual([1]);
    expect((await api(b.url).versions(subject)).body).toEqual([1]);
  });

  it('of two registrations that are each compatible with the latest but not with each other, exactly one wins everywhere', async () => {
    const subject = 'race-value';
    await api(a.url).register(subject, foo(base));
    const asInt = foo([...base, { name: 'f', type: 'int', default: 0 }]);
    const asString = foo([...base, { name: 'f', type: 'string', default: '' }]);
    const [viaA, viaB] = await Promise.all([api(a.url).register(subject, asInt), api(b.url).register(subject, asString)]);
    expect([viaA.status, viaB.status].sort()).toEqual([200, 409]);
    const loser = viaA.status === 409 ? viaA : viaB;
    expect(loser.body.message).toMatch(/field "f" of record dev.sluice.events.Foo changed type from (int to string|string to int)/);
    const versionsA = await eventually(() => api(a.url).versions(subject), (r) => r.body.length === 2);
    const versionsB = await eventually(() => api(b.url).versions(subject), (r) => r.body.length === 2);
    expect(versionsA.body).toEqual([1, 2]);
    expect(versionsB.body).toEqual([1, 2]);
    expect((await api(b.url).version(subject, 2)).body).toEqual((await api(a.url).version(subject, 2)).body);
  });

  it('shares config changes', async () => {
    await api(a.url).setConfig('configured-value', 'FULL_TRANSITIVE');
    expect((await api(b.url).call('GET', '/config/configured-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
  });
});

describe('restarts', () => {
  it('a restarted instance rebuilds the same state from the topic', async () => {
    await api(a.url).setConfig(null, 'FORWARD');
    await api(b.url).call('DELETE', '/subjects/shared-value');
    const before = await snapshot(a.url);
    await b.close();
    b = await startTestRegistry(topic);
    expect(await snapshot(b.url)).toEqual(before);

    // And with no instance running at all in between.
    await Promise.all([a.close(), b.close()]);
    a = await startTestRegistry(topic);
    expect(await snapshot(a.url)).toEqual(before);
    b = await startTestRegistry(topic);
    // The rebuilt state keeps judging new registrations the same way.
    const next = await api(b.url).register('race-value', foo([...base, { name: 'g', type: 'int' }]));
    expect(next.status).toBe(200); // FORWARD globally: adding a field without default is fine
    expect((await api(a.url).version('race-value', 3)).body).toMatchObject({ id: next.body.id });
  });
});
