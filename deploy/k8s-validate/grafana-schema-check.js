#!/usr/bin/env node
// Type-checks Grafana dashboard JSON against the dashboard schema Grafana publishes with each release:
// the `Dashboard` type of @grafana/schema (dist/types/raw/dashboard/x/types.gen.d.ts, generated from
// Grafana's CUE schema). Each dashboard becomes a TypeScript object literal typed `Dashboard`, so tsc's
// excess-property and type checks refuse misspelt keys and wrong value types.
//   node grafana-schema-check.js <@grafana/schema package dir> <tsc> <work dir> dashboard.json…
// TypeScript enums cannot be written in JSON, so the schema's enums are rewritten to unions of their
// values (what Grafana actually reads), e.g. ThresholdsMode → "absolute" | "percentage".
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const [pkgDir, tsc, work, ...dashboards] = process.argv.slice(2);
if (!pkgDir || !tsc || !work || dashboards.length === 0) {
  console.error('usage: grafana-schema-check.js <@grafana/schema dir> <tsc> <work dir> dashboard.json…');
  process.exit(2);
}
const schemaFile = path.join(pkgDir, 'dist/types/raw/dashboard/x/types.gen.d.ts');
let dts = fs.readFileSync(schemaFile, 'utf8');

const enums = new Map();
dts = dts.replace(/export declare enum (\w+) \{([^}]*)\}/g, (_m, name, body) => {
  const members = new Map();
  for (const line of body.split('\n')) {
    const m = /^\s*(\w+)\s*=\s*("[^"]*"|-?\d+)\s*,?\s*$/.exec(line);
    if (m) members.set(m[1], m[2]);
  }
  if (members.size === 0) throw new Error(`could not read the members of enum ${name} in ${schemaFile}`);
  enums.set(name, members);
  return `export type ${name} = ${[...members.values()].join(' | ')};`;
});
// Enum members used as types (type: MappingType.ValueToText) become their values.
dts = dts.replace(/\b(\w+)\.(\w+)\b/g, (m, e, member) => (enums.has(e) && enums.get(e).has(member) ? enums.get(e).get(member) : m));
// Value declarations (defaultPanel …) are irrelevant to the check and may reference enum values.
dts = dts.replace(/^export declare const .*$/gm, '');

fs.mkdirSync(work, { recursive: true });
fs.writeFileSync(path.join(work, 'grafana-dashboard.d.ts'), dts);
const files = dashboards.map((d, i) => {
  const json = fs.readFileSync(d, 'utf8');
  JSON.parse(json); // a syntax error is reported by JSON.parse with its position
  const f = path.join(work, `dashboard${i}.ts`);
  // Line 2 onwards is the JSON verbatim: a diagnostic on line n is line n-1 of the dashboard.
  fs.writeFileSync(f, `import type { Dashboard } from './grafana-dashboard';\nexport const dashboard: Dashboard = ${json.trimEnd()};\n`);
  return f;
});
// No @types packages: only the schema and the dashboards are compiled.
fs.writeFileSync(
  path.join(work, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: { noEmit: true, strict: true, target: 'es2022', module: 'commonjs', moduleResolution: 'node', types: [] }, files: files.map((f) => path.basename(f)) }),
);
const r = spawnSync(tsc, ['-p', work], { encoding: 'utf8' });
if (r.error) {
  console.error(`grafana-schema-check: cannot run ${tsc}: ${r.error.message}`);
  process.exit(2);
}
if (r.status !== 0) {
  const out = (r.stdout + r.stderr).replace(/\S*dashboard(\d+)\.ts\((\d+),(\d+)\)/g, (_m, i, line, col) => `${dashboards[Number(i)]}:${Number(line) - 1}:${col}`);
  console.error(`grafana-schema-check: not valid against Grafana's dashboard schema (@grafana/schema ${require(path.join(pkgDir, 'package.json')).version}):\n${out}`);
  process.exit(1);
}
console.log(`${dashboards.join(', ')}: valid against Grafana's dashboard schema (@grafana/schema ${require(path.join(pkgDir, 'package.json')).version}, ${enums.size} enums as value unions)`);
