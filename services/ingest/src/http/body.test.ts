import { contentType, LineError, parseNdjson } from './body';

describe('content types', () => {
  test('JSON everywhere, NDJSON on the batch route, UTF-8 only', () => {
    expect(contentType('application/json', false)).toEqual({ ok: true, format: 'json' });
    expect(contentType('Application/JSON; charset=utf-8', false)).toEqual({ ok: true, format: 'json' });
    expect(contentType('application/x-ndjson', true)).toEqual({ ok: true, format: 'ndjson' });
    expect(contentType('application/x-ndjson', false)).toMatchObject({ ok: false, reason: 'Content-Type application/x-ndjson is not accepted here; expected application/json' });
    expect(contentType('text/plain', true)).toMatchObject({ ok: false, reason: expect.stringContaining('expected application/json (an array of events) or application/x-ndjson') });
    expect(contentType(undefined, false)).toMatchObject({ ok: false, reason: 'Content-Type is missing; expected application/json' });
    expect(contentType('application/json; charset=latin1', false)).toMatchObject({ ok: false, reason: 'charset latin1 is not supported; send UTF-8' });
  });
});

describe('NDJSON', () => {
  test('one value per non-empty line; a broken line stands alone', () => {
    const out = parseNdjson('{"a":1}\r\n\n{"b":\n[3]\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({ a: 1 });
    expect(out[1]).toBeInstanceOf(LineError);
    expect((out[1] as LineError).reason).toMatch(/^line 3 is not valid JSON/);
    expect(out[2]).toEqual([3]);
  });
});
