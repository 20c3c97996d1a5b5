import { CursorError, encodeCursor, maxOffsets, parseCursor, parsePositionId, positionId } from '.';

describe('alert positions and cursors', () => {
  test('a cursor round-trips, sorted by partition', () => {
    const c = new Map([[2, 7], [0, 12], [1, 40]]);
    expect(encodeCursor(c)).toBe('0:12,1:40,2:7');
    expect(parseCursor('0:12,1:40,2:7')).toEqual(new Map([[0, 12], [1, 40], [2, 7]]));
  });

  test('an alert id is its partition and offset', () => {
    expect(positionId(2, 1045)).toBe('2-1045');
    expect(parsePositionId('2-1045')).toEqual({ partition: 2, offset: 1045 });
    expect(() => parsePositionId('abc')).toThrow(/alert id "abc": expected "<partition>-<offset>"/);
  });

  test('bad cursors are refused with what a cursor looks like', () => {
    expect(() => parseCursor('')).toThrow(CursorError);
    expect(() => parseCursor('0:1,x')).toThrow(/cursor entry "x": expected "<partition>:<next offset>"/);
    expect(() => parseCursor('0:1,0:2')).toThrow(/names partition 0 twice/);
    expect(() => parseCursor(42)).toThrow(/expected "<partition>:<next offset>" pairs/);
  });

  test('maxOffsets takes the further position per partition', () => {
    expect(maxOffsets(new Map([[0, 5], [1, 9]]), new Map([[0, 7], [2, 1]]))).toEqual(new Map([[0, 7], [1, 9], [2, 1]]));
  });
});
