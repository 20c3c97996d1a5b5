import { storable } from './rows';

/**
 * PostgreSQL COPY text format: one line per row, tab-separated, \N for NULL, and backslash escapes
 * for backslash, tab, newline and carriage return. Arrays are array literals, jsonb is JSON text.
 * Text is made storable on the way (U+0000 and lone surrogates replaced), on a slow path only the
 * rare value that needs it takes.
 */

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r\u0000\uD800-\uDFFF]/;

export function copyEscape(s: string): string {
  return SPECIAL.test(s) ? storable(s).replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : s;
}

const ELEMENT_SPECIAL = /["\\\u0000\uD800-\uDFFF]/;
/** An array literal of text elements: {"a","b\"c"}. */
export function arrayLiteral(items: readonly string[]): string {
  if (items.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < items.length; i++) {
    const s = items[i];
    out += `${i ? ',' : ''}"${ELEMENT_SPECIAL.test(s) ? storable(s).replace(/["\\]/g, '\\$&') : s}"`;
  }
  return `${out}}`;
}

export type CopyType = 'text' | 'bigint' | 'integer' | 'float8' | 'boolean' | 'text[]' | 'jsonb';

type Encoder = (v: unknown) => string;
const encoders: Record<CopyType, Encoder> = {
  text: (v) => (v === null || v === undefined ? '\\N' : copyEscape(v as string)),
  // jsonb values arrive as JSON text.
  jsonb: (v) => (v === null || v === undefined ? '\\N' : copyEscape(v as string)),
  bigint: (v) => (v === null || v === undefined ? '\\N' : String(v)),
  integer: (v) => (v === null || v === undefined ? '\\N' : String(v)),
  float8: (v) => (v === null || v === undefined ? '\\N' : String(v)),
  boolean: (v) => (v === null || v === undefined ? '\\N' : v ? 't' : 'f'),
  'text[]': (v) => (v === null || v === undefined ? '\\N' : copyEscape(arrayLiteral(v as string[]))),
};

/** A serializer of rows to COPY text for one column list (column name and PostgreSQL type). */
export function copySerializer<R>(columns: ReadonlyArray<readonly [keyof R, CopyType]>): (rows: readonly R[]) => string {
  const names = columns.map(([c]) => c);
  const encode = columns.map(([, t]) => encoders[t]);
  const n = columns.length;
  return (rows) => {
    let out = '';
    for (const row of rows) {
      let line = encode[0](row[names[0]]);
      for (let c = 1; c < n; c++) line += `\t${encode[c](row[names[c]])}`;
      out += `${line}\n`;
    }
    return out;
  };
}
