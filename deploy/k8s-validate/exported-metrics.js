#!/usr/bin/env node
// Prints the metric families Sluice services export, one per line: `<name> <type> <source>`.
//   node deploy/k8s-validate/exported-metrics.js <repo root> [http://host:port/metrics …]
// Sources, best first:
//   live      a running process's /metrics (URLs given as arguments), when it answers
//   registry  the shared prom-client registry after loading the built runtime and each built service's
//             index and metrics modules (exact names and types, including the sluice_process_* defaults)
//   source    metric names declared as string literals in libs/*/src and services/*/src (type unknown),
//             so a service that is not built yet still counts
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] || '.');
const urls = process.argv.slice(3);
const out = new Map();
const add = (name, type, source) => {
  const prev = out.get(name);
  if (!prev || (prev.type === 'unknown' && type !== 'unknown')) out.set(name, { type, source });
};

async function fromLive() {
  for (const url of urls) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) continue;
      for (const line of (await res.text()).split('\n')) {
        const m = /^# TYPE (\S+) (\S+)/.exec(line);
        if (m && m[1].startsWith('sluice_')) add(m[1], m[2], `live:${url}`);
      }
    } catch {
      // not running: the other sources still count
    }
  }
}

async function fromRegistry() {
  const runtimeDist = path.join(root, 'libs/runtime/dist/index.js');
  if (!fs.existsSync(runtimeDist)) {
    console.error(`exported-metrics: ${path.relative(root, runtimeDist)} is not built; using source declarations only`);
    return;
  }
  const runtime = require(runtimeDist);
  const servicesDir = path.join(root, 'services');
  for (const svc of fs.existsSync(servicesDir) ? fs.readdirSync(servicesDir).sort() : []) {
    for (const file of ['dist/index.js', 'dist/metrics.js']) {
      const f = path.join(servicesDir, svc, file);
      if (!fs.existsSync(f)) continue;
      try {
        require(f);
      } catch (e) {
        console.error(`exported-metrics: loading services/${svc}/${file} failed (${e.message.split('\n')[0]}); its source declarations still count`);
      }
    }
  }
  for (const m of await runtime.registry.getMetricsAsJSON()) add(m.name, m.type, 'registry');
}

function fromSource() {
  const dirs = [];
  for (const top of ['libs', 'services']) {
    const d = path.join(root, top);
    if (!fs.existsSync(d)) continue;
    for (const pkg of fs.readdirSync(d)) dirs.push(path.join(d, pkg, 'src'));
  }
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        const text = fs.readFileSync(p, 'utf8');
        // name: 'sluice_x' in a prom-client options object, or counter('sluice_x', …) style helpers.
        for (const m of text.matchAll(/(?:name:\s*|\(\s*)['"](sluice_[a-z0-9_]+)['"]/g)) add(m[1], 'unknown', `source:${path.relative(root, p)}`);
      }
    }
  };
  dirs.forEach(walk);
}

(async () => {
  await fromLive();
  await fromRegistry();
  fromSource();
  const lines = [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, { type, source }]) => `${n} ${type} ${source}`);
  process.stdout.write(lines.join('\n') + '\n');
  // Loaded modules may hold timers (default metrics, caches): do not wait for them.
  process.exit(0);
})().catch((e) => {
  console.error(`exported-metrics: ${e.stack || e}`);
  process.exit(1);
});
