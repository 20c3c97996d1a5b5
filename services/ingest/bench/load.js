#!/usr/bin/env node
/**
 * The load process of the ingest benchmark: drives the HTTP API with autocannon from a process of its
 * own (so the load generator never shares an event loop with ingest) and prints one JSON line:
 *   node load.js <json-options>
 * options: url, path, body (string), contentType, apiKey, connections, pipelining, durationSec, overallRate
 */
const autocannon = require('autocannon');

const o = JSON.parse(process.argv[2]);
const instance = autocannon(
  {
    url: o.url + o.path,
    method: 'POST',
    headers: { 'content-type': o.contentType ?? 'application/json', authorization: `Bearer ${o.apiKey}` },
    body: o.body,
    connections: o.connections,
    pipelining: o.pipelining ?? 1,
    duration: o.durationSec,
    overallRate: o.overallRate || undefined,
    // Only 2xx count as successful; anything else is reported separately.
    expectBody: undefined,
  },
  (err, result) => {
    if (err) {
      console.error(err.message);
      process.exit(1);
    }
    const statuses = {};
    for (const k of Object.keys(result.statusCodeStats ?? {})) statuses[k] = result.statusCodeStats[k].count;
    process.stdout.write(
      JSON.stringify({
        durationSec: result.duration,
        requests: result.requests.total,
        requestsPerSec: result.requests.total / result.duration,
        ok2xx: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statuses,
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
      }) + '\n',
    );
  },
);
process.on('SIGINT', () => instance.stop());
