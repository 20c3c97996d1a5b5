/**
 * The load process of the end-to-end benchmark (forked by e2e.ts; never the process of a service):
 * sends events to ingest over HTTP in batches of 100, paced at a target rate, and records each
 * request's acknowledgement latency (ingest answers only after Kafka acknowledged, acks=all).
 *
 * Every event id is `<tag>-<sentAtMs>-<n>`, so the time to its database commit can be read off persist's
 * confirmations. Bursts, when asked for, are five negative posts from five distinct 20k-follower
 * accounts on a fresh source (score's influencer-negative-burst rule): four in one request, the fifth
 * alone 250 ms later; its send time is what alert latency is measured from.
 *
 * IPC: {type:'init', url, apiKey} then {type:'run', tag, rate, seconds, burstEveryMs} -> {type:'done', stats};
 * {type:'stop'} ends a run early.
 */
import * as http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { summarize } from './stats';

interface RunCommand {
  type: 'run';
  tag: string;
  rate: number;
  seconds: number;
  burstEveryMs: number;
}

export interface Burst {
  source: string;
  /** Wall-clock time the triggering (fifth) event's request was sent. */
  lastSentAt: number;
  status: number;
}

export interface LoadStats {
  tag: string;
  targetRate: number;
  seconds: number;
  requests: number;
  eventsSent: number;
  eventsAccepted: number;
  offeredPerSec: number;
  acceptedPerSec: number;
  /** Batches not sent on time because too many requests were already in flight. */
  batchesSkipped: number;
  statuses: Record<string, number>;
  errors: number;
  ackMs: { n: number; p50: number; p95: number; p99: number; max: number };
  /**
   * This process's own event-loop delay while it ran: a stalled load generator sends late and reads
   * answers late, so large values mean the latencies above include time the load process lost.
   */
  loadLoopDelayMs: { p99: number; max: number };
  bursts: Burst[];
}

const BATCH = 100;
// One connection per request in flight, so acknowledgement latency never includes queueing in this process.
const MAX_IN_FLIGHT = 128;
const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
let target = { host: '127.0.0.1', port: 0, apiKey: '' };
let stopRequested = false;

const TEXTS = [
  'Breaking: fuel prices jump again across the city today #economy, more details soon https://news.example.com/a/1?utm_source=x',
  'Lovely morning in the park with the family, the weather is perfect #weekend',
  'عاجل: ارتفاع كبير في أسعار الوقود اليوم في المدينة #اقتصاد https://news.example.com/a/2',
  'صباح جميل في الحديقة اليوم مع العائلة #عطلة',
  'The match tonight was great, what a goal in the last minute! #football @reporter',
  'Traffic is slow on the ring road after the rain, avoid the bridge if you can #traffic',
  'New phone launch event next week, prices not announced yet #tech',
  'مباراة رائعة الليلة وهدف جميل في الدقيقة الأخيرة #كرة_القدم',
];
const SOURCES = ['twitter', 'facebook', 'youtube', 'telegram', 'news'];
const NEGATIVE = 'This is terrible and awful, the worst disaster, I hate how horrible and broken this service is';

/** Everything of an ordinary event but its id and time, pre-serialised (the load must stay cheap). */
function ordinaryFields(seq: number): string {
  const a = seq % 5000;
  return (
    `"source":"${SOURCES[a % SOURCES.length]}","kind":"POST","author":{"id":"a${a}","handle":"user${a}","followers":${(a * 37) % 9000},"verified":false},` +
    `"text":${JSON.stringify(`${TEXTS[seq % TEXTS.length]} ${seq % 97}`)},"engagement":{"likes":${seq % 300},"shares":${seq % 40},"comments":${seq % 25},"views":${seq % 10_000}},"attributes":{"campaign":"bench"}`
  );
}

function post(path: string, body: string): Promise<{ status: number; accepted: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(
      { host: target.host, port: target.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let accepted = 0;
          if (status === 202) accepted = path.endsWith('/batch') ? Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0) : 1;
          else if (status === 207) accepted = Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0);
          resolve({ status, accepted, ms: performance.now() - started });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, accepted: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

async function run(cmd: RunCommand): Promise<LoadStats> {
  stopRequested = false;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const bursts: Burst[] = [];
  const pending = new Set<Promise<unknown>>();
  let requests = 0;
  let eventsSent = 0;
  let eventsAccepted = 0;
  let errors = 0;
  let skipped = 0;
  let seq = 0;
  const track = (p: Promise<{ status: number; accepted: number; ms: number }>, events: number) => {
    requests++;
    eventsSent += events;
    const done = p.then((r) => {
      latencies.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 0) errors++;
      eventsAccepted += r.accepted;
      pending.delete(done);
      return r;
    });
    pending.add(done);
    return done;
  };

  const sendBatch = () => {
    const now = Date.now();
    let body = '[';
    for (let i = 0; i < BATCH; i++, seq++) body += `${i ? ',' : ''}{"id":"${cmd.tag}-${now}-${seq}","occurredAt":${now},${ordinaryFields(seq)}}`;
    track(post('/v1/events/batch', body + ']'), BATCH);
  };

  let burstN = 0;
  const scheduled: Array<Promise<unknown>> = [];
  const sendBurst = () => {
    const n = burstN++;
    const source = `bench-burst-${cmd.tag}-${n}`;
    const occurredAt = Date.now();
    const event = (k: number) =>
      `{"id":"${cmd.tag}-${Date.now()}-b${n}x${k}","source":"${source}","kind":"POST","occurredAt":${occurredAt},` +
      `"author":{"id":"infl-${n}-${k}","handle":"influencer${n}x${k}","followers":${20_000 + k},"verified":true},"text":"${NEGATIVE}"}`;
    track(post('/v1/events/batch', `[${[0, 1, 2, 3].map(event).join(',')}]`), 4);
    scheduled.push(
      new Promise<unknown>((resolve) =>
        setTimeout(() => {
          const burst: Burst = { source, lastSentAt: Date.now(), status: 0 };
          bursts.push(burst);
          resolve(track(post('/v1/events', event(4)), 1).then((r) => (burst.status = r.status)));
        }, 250),
      ),
    );
  };

  const started = Date.now();
  const end = started + cmd.seconds * 1000;
  let batchesSent = 0;
  let nextBurst = cmd.burstEveryMs > 0 ? started + cmd.burstEveryMs / 2 : Infinity;
  while (!stopRequested && Date.now() < end) {
    const elapsed = Date.now() - started;
    const due = Math.floor((elapsed * cmd.rate) / 1000 / BATCH) + 1;
    while (batchesSent < due) {
      batchesSent++;
      if (pending.size >= MAX_IN_FLIGHT) skipped++;
      else sendBatch();
    }
    if (Date.now() >= nextBurst) {
      sendBurst();
      nextBurst += cmd.burstEveryMs;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const seconds = (Date.now() - started) / 1000;
  // The fifth event of the last burst is sent 250 ms after its batch.
  await Promise.all(scheduled);
  await Promise.all([...pending]);
  loopDelay.disable();
  return {
    tag: cmd.tag,
    targetRate: cmd.rate,
    seconds,
    requests,
    eventsSent,
    eventsAccepted,
    offeredPerSec: eventsSent / seconds,
    acceptedPerSec: eventsAccepted / seconds,
    batchesSkipped: skipped,
    statuses,
    errors,
    ackMs: summarize(latencies),
    loadLoopDelayMs: { p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) },
    bursts,
  };
}

process.on('message', (msg: { type: string } & Record<string, unknown>) => {
  if (msg.type === 'init') {
    const u = new URL(String(msg.url));
    target = { host: u.hostname, port: Number(u.port), apiKey: String(msg.apiKey) };
    process.send!({ type: 'ready' });
  } else if (msg.type === 'run') {
    run(msg as unknown as RunCommand).then(
      (stats) => process.send!({ type: 'done', stats }),
      (err: Error) => process.send!({ type: 'failed', error: err.stack ?? err.message }),
    );
  } else if (msg.type === 'stop') {
    stopRequested = true;
  }
});
process.on('disconnect', () => process.exit(0));
