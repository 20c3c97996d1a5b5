/**
 * Where an analyst is in the alert topic. An alert's id is its Kafka position (`partition-offset`); a
 * cursor is the next offset to read on every partition (`0:12,1:40,2:7`), so a client that hands back
 * the cursor of the last alert it saw can be given exactly what came after it, on every partition.
 */
export type Offsets = Map<number, number>;

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

export const positionId = (partition: number, offset: number): string => `${partition}-${offset}`;

export function parsePositionId(id: unknown): { partition: number; offset: number } {
  const m = typeof id === 'string' ? /^(\d{1,5})-(\d{1,19})$/.exec(id) : null;
  if (!m) throw new CursorError(`alert id ${JSON.stringify(id)}: expected "<partition>-<offset>", for example "2-1045"`);
  return { partition: Number(m[1]), offset: Number(m[2]) };
}

export function encodeCursor(offsets: Offsets): string {
  return [...offsets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}

export function parseCursor(text: unknown): Offsets {
  if (typeof text !== 'string' || text.length === 0 || text.length > 4096) {
    throw new CursorError(`cursor ${JSON.stringify(text)?.slice(0, 80)}: expected "<partition>:<next offset>" pairs separated by commas, for example "0:12,1:40,2:7"`);
  }
  const out: Offsets = new Map();
  for (const part of text.split(',')) {
    const m = /^(\d{1,5}):(\d{1,19})$/.exec(part.trim());
    if (!m) throw new CursorError(`cursor entry ${JSON.stringify(part)}: expected "<partition>:<next offset>", for example "1:40"`);
    const offset = Number(m[2]);
    if (!Number.isSafeInteger(offset)) throw new CursorError(`cursor entry ${JSON.stringify(part)}: offset is out of range`);
    if (out.has(Number(m[1]))) throw new CursorError(`cursor names partition ${m[1]} twice`);
    out.set(Number(m[1]), offset);
  }
  return out;
}

/** Entry-wise maximum: the position a client has reached when it has seen both. */
export function maxOffsets(a: Offsets, b: Offsets): Offsets {
  const out = new Map(a);
  for (const [p, o] of b) out.set(p, Math.max(o, out.get(p) ?? 0));
  return out;
}
