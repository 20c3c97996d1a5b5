import { parseType } from './avro';
import { checkCompatibility, describeProblem, findIncompatibilities, parseCompatibilityLevel, type CompatibilityLevel } from './compatibility';

const record = (fields: object[], name = 'Foo') => parseType({ type: 'record', name, namespace: 'dev.sluice.events', fields });
const check = (candidate: ReturnType<typeof parseType>, level: CompatibilityLevel, ...priors: ReturnType<typeof parseType>[]) =>
  checkCompatibility(candidate, priors.map((type, i) => ({ version: i + 1, type })), level);

const v1 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }]);

describe('findIncompatibilities agrees with avsc', () => {
  const cases: Array<[string, object[]]> = [
    ['identical', [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }]],
    ['field added with default', [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'score', type: 'double', default: 0 }]],
    ['field removed', [{ name: 'id', type: 'string' }]],
    ['int promoted to long', [{ name: 'id', type: 'string' }, { name: 'count', type: 'long' }]],
    ['field added without default', [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'score', type: 'double' }]],
    ['type changed', [{ name: 'id', type: 'string' }, { name: 'count', type: 'string' }]],
  ];
  it.each(cases)('%s: no problems exactly when a resolver can be built', (_label, fields) => {
    const reader = record(fields);
    let resolvable = true;
    try {
      reader.createResolver(v1);
    } catch {
      resolvable = false;
    }
    expect(findIncompatibilities(reader, v1).length === 0).toBe(resolvable);
  });
});

describe('messages name the offending field and what is wrong', () => {
  it('a field added without a default breaks BACKWARD', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'score', type: 'double' }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([
      'field "score" (double) was added to record dev.sluice.events.Foo without a default: a reader of the new schema cannot read data written with version 1',
    ]);
  });

  it('a field added with a default is fine under BACKWARD and FULL', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }, { name: 'score', type: 'double', default: 0 }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([]);
    expect(check(v2, 'FULL', v1)).toEqual([]);
  });

  it('a field without default removed breaks FORWARD, naming the old version', () => {
    const v2 = record([{ name: 'id', type: 'string' }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([]);
    expect(check(v2, 'FORWARD', v1)).toEqual([
      'field "count" (int) was removed from record dev.sluice.events.Foo, and version 1 declares it without a default: a reader of version 1 cannot read data written with the new schema',
    ]);
  });

  it('a type change that is not a promotion is reported with both types', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'boolean' }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([
      'field "count" of record dev.sluice.events.Foo changed type from int to boolean (int cannot be read as boolean): a reader of the new schema cannot read data written with version 1',
    ]);
  });

  it('a promotion is backward compatible but not forward compatible', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'long' }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([]);
    expect(check(v2, 'FULL', v1)).toEqual([
      'field "count" of record dev.sluice.events.Foo changed type from int to long (long cannot be read as int): a reader of version 1 cannot read data written with the new schema',
    ]);
  });

  it('enum symbols removed without a default break BACKWARD; added ones break FORWARD', () => {
    const colour = (symbols: string[], extra: object = {}) => record([{ name: 'colour', type: { type: 'enum', name: 'Colour', symbols, ...extra } }]);
    const old = colour(['RED', 'GREEN', 'BLUE']);
    expect(check(colour(['RED', 'GREEN']), 'BACKWARD', old)).toEqual([
      'enum dev.sluice.events.Colour lost symbol(s) "BLUE" and has no default: a reader of the new schema cannot read data written with version 1',
    ]);
    expect(check(colour(['RED', 'GREEN'], { default: 'RED' }), 'BACKWARD', old)).toEqual([]);
    expect(check(colour(['RED', 'GREEN', 'BLUE', 'PINK']), 'FORWARD', old)).toEqual([
      'enum dev.sluice.events.Colour gained symbol(s) "PINK", which version 1 does not have and has no default for: a reader of version 1 cannot read data written with the new schema',
    ]);
  });

  it('problems inside nested records, arrays and maps point at the inner field', () => {
    const outer = (itemFields: object[]) =>
      record([
        { name: 'items', type: { type: 'array', items: { type: 'record', name: 'Item', fields: itemFields } } },
        { name: 'tags', type: { type: 'map', values: 'string' } },
      ]);
    const old = outer([{ name: 'sku', type: 'string' }]);
    const changed = outer([{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }]);
    expect(check(changed, 'BACKWARD', old)).toEqual([
      'field "qty" (int) was added to record dev.sluice.events.Item without a default: a reader of the new schema cannot read data written with version 1',
    ]);
    const tagsChanged = record([
      { name: 'items', type: { type: 'array', items: { type: 'record', name: 'Item', fields: [{ name: 'sku', type: 'string' }] } } },
      { name: 'tags', type: { type: 'map', values: 'int' } },
    ]);
    expect(check(tagsChanged, 'BACKWARD', old)).toEqual([
      'values of field "tags" of record dev.sluice.events.Foo changed type from string to int (string cannot be read as int): a reader of the new schema cannot read data written with version 1',
    ]);
  });

  it('union branches that can no longer be read are named', () => {
    const old = record([{ name: 'label', type: ['null', 'string'], default: null }]);
    const narrowed = record([{ name: 'label', type: 'string' }]);
    expect(check(narrowed, 'BACKWARD', old)).toEqual([
      'field "label" of record dev.sluice.events.Foo no longer accepts null (type changed from [null, string] to string): a reader of the new schema cannot read data written with version 1',
    ]);
    const widened = record([{ name: 'label', type: ['null', 'string', 'int'], default: null }]);
    expect(check(widened, 'BACKWARD', old)).toEqual([]);
    expect(check(widened, 'FORWARD', old)).toEqual([
      'field "label" of record dev.sluice.events.Foo now accepts int (type changed from [null, string] to [null, string, int]), which version 1 cannot read: a reader of version 1 cannot read data written with the new schema',
    ]);
  });

  it('a renamed record needs an alias', () => {
    const renamed = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }], 'Bar');
    expect(check(renamed, 'BACKWARD', v1)).toEqual([
      'record dev.sluice.events.Foo was renamed to dev.sluice.events.Bar, and the new schema has no alias dev.sluice.events.Foo: a reader of the new schema cannot read data written with version 1',
    ]);
    const aliased = parseType({ type: 'record', name: 'Bar', namespace: 'dev.sluice.events', aliases: ['Foo'], fields: [{ name: 'id', type: 'string' }, { name: 'count', type: 'int' }] });
    expect(check(aliased, 'BACKWARD', v1)).toEqual([]);
  });

  it('a renamed field with an alias to the old name is fine', () => {
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'total', aliases: ['count'], type: 'int' }]);
    expect(check(v2, 'BACKWARD', v1)).toEqual([]);
  });

  it('recursive records are explained once, without looping', () => {
    const node = (fields: object[]) => parseType({ type: 'record', name: 'Node', fields: [...fields, { name: 'next', type: ['null', 'Node'], default: null }] });
    const problems = findIncompatibilities(node([{ name: 'v', type: 'int' }, { name: 'w', type: 'int' }]), node([{ name: 'v', type: 'int' }]));
    expect(problems).toEqual([{ kind: 'missing-field', record: 'Node', field: 'w', fieldType: 'int' }]);
  });

  it('a changed top-level type is reported against the schema itself', () => {
    expect(describeProblem(findIncompatibilities(parseType('string'), parseType('int'))[0]!, { readerIsNew: true, other: 'version 4' })).toBe(
      'the schema changed type from int to string (int cannot be read as string)',
    );
  });
});

describe('levels', () => {
  const v2 = record([{ name: 'id', type: 'string' }]); // drops "count"
  const v3 = record([{ name: 'id', type: 'string' }, { name: 'count', type: 'long' }]); // brings it back, without default

  it('non-transitive levels check the latest version only; transitive ones check them all', () => {
    expect(check(v3, 'BACKWARD', v1, v2)).toEqual([
      'field "count" (long) was added to record dev.sluice.events.Foo without a default: a reader of the new schema cannot read data written with version 2',
    ]);
    expect(check(v3, 'FORWARD', v1, v2)).toEqual([]);
    expect(check(v3, 'FORWARD_TRANSITIVE', v1, v2)).toEqual([
      'field "count" of record dev.sluice.events.Foo changed type from int to long (long cannot be read as int): a reader of version 1 cannot read data written with the new schema',
    ]);
    expect(check(v3, 'BACKWARD_TRANSITIVE', v1, v2)).toHaveLength(1);
    expect(check(v3, 'FULL_TRANSITIVE', v1, v2)).toHaveLength(2);
  });

  it('NONE accepts anything, and a first version is always accepted', () => {
    expect(check(parseType('string'), 'NONE', v1)).toEqual([]);
    expect(check(parseType('string'), 'FULL_TRANSITIVE')).toEqual([]);
  });

  it('levels parse case-insensitively', () => {
    expect(parseCompatibilityLevel('full_transitive')).toBe('FULL_TRANSITIVE');
    expect(parseCompatibilityLevel('sideways')).toBeUndefined();
    expect(parseCompatibilityLevel(3)).toBeUndefined();
  });
});
