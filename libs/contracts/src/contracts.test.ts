import * as fs from 'node:fs';
import * as path from 'node:path';
import { GROUPS, STAGE_INPUTS, TOPICS, loadSchemas, naming, type SchemaName } from '@sluice/contracts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const generator = require('../scripts/generate-types.js') as { render(): string; out: string };

describe('wire contract', () => {
  test('generated TypeScript types match the .avsc files (regenerate with pnpm --filter @sluice/contracts generate)', () => {
    expect(fs.readFileSync(generator.out, 'utf8')).toBe(generator.render());
  });

  test('every record and enum has a namespace and a doc, and every field a doc', () => {
    const { files } = loadSchemas();
    const problems: string[] = [];
    const walk = (t: unknown, where: string) => {
      if (Array.isArray(t)) return t.forEach((u, i) => walk(u, `${where}[${i}]`));
      if (!t || typeof t !== 'object') return;
      const o = t as Record<string, unknown>;
      if (o.type === 'record' || o.type === 'enum') {
        if (!o.namespace) problems.push(`${where}: ${String(o.name)} has no namespace`);
        if (!o.doc) problems.push(`${where}: ${String(o.name)} has no doc`);
      }
      if (o.type === 'record') {
        for (const f of o.fields as Array<Record<string, unknown>>) {
          if (!f.doc) problems.push(`${where}.${String(f.name)} has no doc`);
          walk(f.type, `${where}.${String(f.name)}`);
        }
      }
      if (o.type === 'array') walk(o.items, where);
      if (o.type === 'map') walk(o.values, where);
    };
    for (const [name, json] of Object.entries(files)) walk(json, name);
    expect(problems).toEqual([]);
  });

  test('timestamps use the timestamp-millis logical type', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../../../schemas/RawEvent.avsc'), 'utf8');
    const json = JSON.parse(text) as { fields: Array<{ name: string; type: unknown }> };
    for (const field of ['occurredAt', 'receivedAt']) {
      expect(json.fields.find((f) => f.name === field)?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    }
  });

  test('every topic with a schema points at a loaded schema, and every stage input is a declared topic', () => {
    const { types } = loadSchemas();
    for (const spec of Object.values(TOPICS)) if (spec.schema) expect(types[spec.schema as SchemaName]).toBeDefined();
    for (const stage of Object.keys(GROUPS) as Array<keyof typeof GROUPS>) for (const t of STAGE_INPUTS[stage]) expect(TOPICS[t]).toBeDefined();
  });

  test('naming prefixes topics, groups and subjects consistently', () => {
    const n = naming('tenant-a');
    expect(n.topic('raw')).toBe('tenant-a.sluice.events.raw.v1');
    expect(n.group('enrich')).toBe('tenant-a.sluice.enrich');
    expect(n.subject('alerts')).toBe('tenant-a.sluice.alerts.v1-value');
    expect(n.keyOf('tenant-a.sluice.events.raw.v1')).toBe('raw');
    expect(naming().topic('raw')).toBe('sluice.events.raw.v1');
  });

  test('a RawEvent round-trips through Avro with defaults filled', () => {
    const type = loadSchemas().types.RawEvent;
    const value = { id: 'x', source: 'news', kind: 'NEWS', occurredAt: 1, receivedAt: 2, author: { id: 'a' } };
    const back = type.fromBuffer(type.toBuffer(value));
    expect(back).toMatchObject({ ...value, text: null, attributes: {}, author: { id: 'a', verified: false, handle: null } });
  });
});

describe('registered schema text', () => {
  test('keeps logical types and inlines records defined in other files', () => {
    const { canonical } = loadSchemas();
    const scored = JSON.parse(canonical.ScoredEvent) as { fields: Array<{ name: string; type: { name?: string; fields?: Array<{ name: string; type: unknown }> } }> };
    const enriched = scored.fields.find((f) => f.name === 'enriched')!.type;
    expect(enriched.name).toBe('EnrichedEvent');
    const event = enriched.fields!.find((f) => f.name === 'event')!.type as { name: string };
    expect(event.name).toBe('RawEvent');
    expect(canonical.RawEvent).toContain('"logicalType":"timestamp-millis"');
    // and it parses on its own, as a stock client would parse it
    const avro = require('avsc') as typeof import('avsc');
    expect(() => avro.Type.forSchema(JSON.parse(canonical.ScoredEvent))).not.toThrow();
  });
});
