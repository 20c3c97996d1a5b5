// Benchmark client process: opens many WebSocket connections to the notification service, subscribes
// each, and records for every alert message the time from the alert reaching its topic (its Kafka
// timestamp) to its arrival on that connection. Driven by bench/run.js over IPC.
'use strict';
const { WebSocket } = require('ws');

const [url, token, countText] = process.argv.slice(2);
const count = Number(countText);
const latencies = [];
const perId = new Map();
const perClient = new Array(count).fill(0);
let subscribed = 0;
let closedEarly = 0;

// The service writes these fields itself (ids and numbers, no escaping), so scanning the raw bytes is
// enough and far cheaper than decoding and parsing every message on a thousand connections.
const TYPE_ALERT = Buffer.from('{"type":"alert"');
const TYPE_SUBSCRIBED = Buffer.from('"type":"subscribed"');
const ID = Buffer.from('"id":"');
const TS = Buffer.from('"timestamp":');

function timestampOf(buf) {
  let i = buf.indexOf(TS) + TS.length;
  let n = 0;
  for (let c = buf[i]; c >= 48 && c <= 57; c = buf[++i]) n = n * 10 + (c - 48);
  return n;
}

function idOf(buf) {
  const start = buf.indexOf(ID) + ID.length;
  return buf.toString('latin1', start, buf.indexOf(34, start));
}

function open(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe' })));
    ws.on('message', (data) => {
      const now = Date.now();
      if (data.subarray(0, TYPE_ALERT.length).equals(TYPE_ALERT)) {
        latencies.push(now - timestampOf(data));
        const id = idOf(data);
        perId.set(id, (perId.get(id) || 0) + 1);
        perClient[i]++;
      } else if (data.indexOf(TYPE_SUBSCRIBED) >= 0) {
        subscribed++;
        resolve();
      }
    });
    ws.on('close', () => closedEarly++);
    ws.on('error', reject);
  });
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

process.on('message', async (msg) => {
  if (msg.type === 'connect') {
    const started = Date.now();
    // In waves, so the accept backlog is never the bottleneck being measured.
    for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => open(i + k)));
    process.send({ type: 'ready', subscribed, connectMs: Date.now() - started });
  } else if (msg.type === 'reset') {
    // Forget the warm-up alert: only the measured run counts.
    latencies.length = 0;
    perId.clear();
    perClient.fill(0);
    process.send({ type: 'reset' });
  } else if (msg.type === 'progress') {
    process.send({ type: 'progress', received: latencies.length });
  } else if (msg.type === 'report') {
    const sorted = Float64Array.from(latencies).sort();
    let duplicates = 0;
    for (const n of perId.values()) if (n > count) duplicates += n - count;
    process.send({
      type: 'report',
      deliveries: latencies.length,
      distinctAlerts: perId.size,
      duplicates,
      perClientMin: Math.min(...perClient),
      perClientMax: Math.max(...perClient),
      closedEarly,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      max: sorted.length ? sorted[sorted.length - 1] : null,
    });
  }
});
