#!/usr/bin/env node
// Container health check without curl or wget in the image: GET http://127.0.0.1:$PORT<path>, exit 0 on 2xx.
//   node /app/healthcheck.js /healthz     liveness (the process answers)
//   node /app/healthcheck.js /readyz      readiness (consumer assigned, producer connected …)
'use strict';

// Used only when PORT is unset; these are the ports docker-compose.yml and the Helm chart set.
const DEFAULT_PORTS = { registry: 8081, ingest: 8080, persist: 8082, notify: 8083, enrich: 9101, score: 9102 };

const path = process.argv[2] || '/healthz';
const port = Number(process.env.PORT || process.env.REGISTRY_PORT || DEFAULT_PORTS[process.env.SLUICE_SERVICE] || 0);
if (!port) {
  console.error(`healthcheck: PORT is not set and SLUICE_SERVICE=${process.env.SLUICE_SERVICE} has no default port`);
  process.exit(1);
}

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => {
    if (!res.ok) console.error(`healthcheck: ${path} answered ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  },
  (err) => {
    console.error(`healthcheck: ${path} on port ${port}: ${err.message}`);
    process.exit(1);
  },
);
