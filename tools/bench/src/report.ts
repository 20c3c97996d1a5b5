/** The results table: every target from the issues beside the measured figure and the raw broker's. */
import type { E2EResult } from './e2e';
import type { IngestResult } from './ingest';
import type { RawKafkaThroughput } from './kafka-perf';
import type { NotifyResult } from './notify';
import type { StageResult } from './stages';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memGiB: number;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  node: string;
}

export interface SuiteResults {
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: Machine;
  kafka: { version: string; brokers: string };
  rawKafka?: RawKafkaThroughput;
  ingest?: IngestResult;
  passthrough?: StageResult;
  enrich?: StageResult;
  score?: StageResult;
  persist?: StageResult;
  notify?: NotifyResult;
  e2e?: E2EResult;
  errors: Record<string, string>;
  skipped: string[];
}

export interface Row {
  area: string;
  measure: string;
  target: string;
  measured: string;
  met: boolean | null;
  rawKafka: string;
}

const n0 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${Math.round(x).toLocaleString('en-US')} ms`);
const k = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x >= 10_000 ? `${Math.round(x / 1000).toLocaleString('en-US')}k` : Math.round(x).toLocaleString('en-US'));

export function rows(r: SuiteResults): Row[] {
  const raw = r.rawKafka;
  const prod = raw ? `producer ${k(raw.producerRecordsPerSec)} rec/s` : '–';
  const both = raw ? `producer ${k(raw.producerRecordsPerSec)} / consumer ${k(raw.consumerRecordsPerSec)} rec/s` : '–';
  const out: Row[] = [];
  const failed = (area: string, measure: string, target: string, phase: string) =>
    out.push({ area, measure, target, measured: r.errors[phase] ? `failed: ${r.errors[phase].split('\n')[0].slice(0, 120)}` : 'not run', met: null, rawKafka: '–' });

  if (r.ingest) {
    const i = r.ingest;
    out.push({ area: 'ingest', measure: 'accepted events/s, batches of 100', target: '≥ 100,000', measured: `${n0(i.batch100.eventsPerSec)} (ack p50 ${ms(i.batch100.p50Ms)}, p99 ${ms(i.batch100.p99Ms)})`, met: i.batch100.eventsPerSec >= 100_000, rawKafka: prod });
    // The target is at 50,000 events/s (half of 100,000): a p99 within 50 ms at a lower rate does not meet it, one above 50 ms misses it.
    const half = i.batch100HalfRate;
    const halfP99 = half.p99Ms;
    out.push({
      area: 'ingest',
      measure: `p99 acknowledgement at half the rate measured above (${n0(half.eventsPerSec)} events/s)`,
      target: '≤ 50 ms at 50,000 events/s',
      measured: `${ms(halfP99)} (p50 ${ms(half.p50Ms)})${half.eventsPerSec < 50_000 && halfP99 !== null && halfP99 <= 50 ? '; within 50 ms, but below the target rate' : ''}`,
      met: halfP99 === null ? false : halfP99 > 50 ? false : half.eventsPerSec >= 50_000 ? true : null,
      rawKafka: prod,
    });
    const single = i.singleEvent.requestsPerSec;
    out.push({ area: 'ingest', measure: 'single-event requests/s', target: '≥ 10,000', measured: `${n0(single)} (ack p99 ${ms(i.singleEvent.p99Ms)})`, met: single >= 10_000, rawKafka: prod });
  } else failed('ingest', 'HTTP throughput and acknowledgement latency', '≥ 100,000 events/s; p99 ≤ 50 ms at half rate; ≥ 10,000 req/s', 'ingest');

  const stage = (s: StageResult | undefined, area: string, unit: string, target: number | null, phase: string) => {
    if (!s) return failed(area, `${unit}/s, one process`, target ? `≥ ${target.toLocaleString('en-US')}` : '–', phase);
    out.push({
      area,
      measure: `${unit}/s, one process (median of ${s.runs.length} × ${s.records.toLocaleString('en-US')})`,
      target: target ? `≥ ${target.toLocaleString('en-US')}` : 'none (the runtime\u2019s ceiling)',
      measured: `${n0(s.recordsPerSec)} (${n0(s.recordsPerCpuSecond)} per CPU-second; peak RSS ${n0(s.peakRssMB)} MB)`,
      met: target ? s.recordsPerSec >= target : null,
      rawKafka: both,
    });
  };
  stage(r.passthrough, 'runtime', 'records', null, 'passthrough');
  stage(r.enrich, 'enrich', 'events', 30_000, 'enrich');
  stage(r.score, 'score', 'events', 20_000, 'score');
  stage(r.persist, 'persist', 'rows', 30_000, 'persist');
  if (r.persist?.latencyError) {
    out.push({ area: 'persist', measure: 'p95 send → database commit at 5,000 events/s', target: '≤ 1,000 ms at 5,000 events/s', measured: `failed: ${r.persist.latencyError.slice(0, 120)}`, met: null, rawKafka: '–' });
  }
  if (r.persist?.latency) {
    const l = r.persist.latency;
    out.push({ area: 'persist', measure: `p95 send → database commit at ${n0(l.ratePerSec)} events/s`, target: '≤ 1,000 ms at 5,000 events/s', measured: `${ms(l.p95)} (p50 ${ms(l.p50)}, p99 ${ms(l.p99)}; ${n0(l.measured)} events)`, met: l.p95 <= 1000 && l.measured >= l.sent, rawKafka: prod });
  }

  if (r.notify) {
    const x = r.notify;
    out.push({
      area: 'notify',
      measure: `p99 alert on topic → delivered, ${x.clients.toLocaleString('en-US')} WebSocket clients, ${x.alertsPerSec} alerts/s`,
      target: '≤ 200 ms to 1,000 clients',
      measured: `${ms(x.latencyMs.p99)} (p50 ${ms(x.latencyMs.p50)}; ${n0(x.deliveries)}/${n0(x.expectedDeliveries)} delivered, ${x.duplicates} duplicates)`,
      // Fewer than 1,000 clients (a quick run) is not a measurement of the target.
      met: x.clients < 1000 ? null : x.latencyMs.p99 !== null && x.latencyMs.p99 <= 200 && x.deliveries >= x.expectedDeliveries,
      rawKafka: both,
    });
  } else failed('notify', 'p99 delivery to WebSocket clients', '≤ 200 ms to 1,000 clients', 'notify');

  const e = r.e2e;
  if (e) {
    const s = e.sustained;
    const maxLagS = Math.max(0, ...Object.values(s.maxLag).map((l) => l.seconds));
    const maxLagR = Math.max(0, ...Object.values(s.maxLag).map((l) => l.records));
    const cap = e.capacity;
    if (cap) {
      const last = cap.steps[cap.steps.length - 1];
      out.push({
        area: 'end to end',
        measure: `highest rate sustained with lag bounded (steps of ${cap.stepSeconds} s, rising until one is not kept up with)`,
        target: '≥ 20,000 events/s',
        measured:
          `${n0(cap.sustainedRate)} events/s (${cap.steps.map((st) => `${n0(st.rate)} ${st.ok ? 'kept up' : 'not'}`).join(', ')}` +
          `${last && !last.ok ? `; at ${n0(last.rate)}: ${last.reason}` : '; every step kept up, so the limit is higher'})`,
        met: cap.sustainedRate >= 20_000,
        rawKafka: both,
      });
    }
    const best = cap?.steps.filter((st) => st.ok).pop();
    if (best) {
      out.push({
        area: 'end to end',
        measure: `at the highest rate sustained (${n0(best.rate)} events/s): p99 ingest → alert on a WebSocket; ingest → persisted`,
        target: '– (the ≤ 500 ms target is at 5,000 events/s, below)',
        measured: `alert p99 ${ms(best.alertMs.p99)} (p50 ${ms(best.alertMs.p50)}, ${best.alertMs.n} bursts); persisted p50 ${ms(best.persistedMs.p50)}, p99 ${ms(best.persistedMs.p99)}`,
        met: null,
        rawKafka: prod,
      });
      out.push({
        area: 'end to end',
        measure: `peak memory (RSS) per service at the highest rate sustained (${n0(best.rate)} events/s)`,
        target: '– (the ≤ 200 MB target is over the whole run, below)',
        measured: Object.entries(best.peakRssMB).map(([name, mb]) => `${name} ${n0(mb)} MB`).join(', '),
        met: null,
        rawKafka: '–',
      });
    }
    out.push({
      area: 'end to end',
      measure: `events/s persisted while ${n0(s.load.targetRate)} events/s are offered for ${Math.round(s.load.seconds)} s (overload${cap ? '' : '; no capacity steps in this run'})`,
      target: cap ? '– (nothing lost; drains afterwards)' : '≥ 20,000 with lag bounded',
      measured: `${n0(s.persistedPerSec)} (ingest accepted ${n0(s.load.acceptedPerSec)}/s; max lag ${n0(maxLagR)} records / ${maxLagS} s; drained ${s.drainSeconds === null ? 'not within the timeout' : `${s.drainSeconds.toFixed(1)} s after`}; lag ${s.bounded ? 'bounded' : 'not bounded'})`,
      met: cap ? null : s.persistedPerSec >= 20_000 && s.bounded,
      rawKafka: both,
    });
    const l = e.latency;
    out.push({ area: 'end to end', measure: `ingest acknowledgement at ${n0(l.load.acceptedPerSec)} events/s (batches of 100)`, target: '–', measured: `p50 ${ms(l.ackMs.p50)}, p95 ${ms(l.ackMs.p95)}, p99 ${ms(l.ackMs.p99)}${statusNote(l.load.statuses)}`, met: null, rawKafka: prod });
    out.push({
      area: 'end to end',
      measure: `ingest → persisted (HTTP send → database commit) at ${n0(l.load.acceptedPerSec)} events/s`,
      target: '–',
      measured: `p50 ${ms(l.persistedMs.p50)}, p95 ${ms(l.persistedMs.p95)}, p99 ${ms(l.persistedMs.p99)} (${n0(l.persistedMs.n)} events${l.persistedMissing ? `, ${l.persistedMissing} not confirmed` : ''})`,
      met: null,
      rawKafka: prod,
    });
    out.push({
      area: 'end to end',
      measure: `p99 ingest → alert delivered on a WebSocket at ${n0(l.load.acceptedPerSec)} events/s`,
      target: '≤ 500 ms at 5,000 events/s',
      measured: `${ms(l.alertMs.p99)} (p50 ${ms(l.alertMs.p50)}, max ${ms(l.alertMs.max)}; ${l.alertMs.n}/${l.bursts} bursts alerted)`,
      met: l.alertMs.n > 0 && l.alertMs.p99 <= 500 && l.alertsMissing === 0,
      rawKafka: prod,
    });
    const peaks = Object.entries(e.peakRssMB);
    out.push({
      area: 'end to end',
      measure: 'peak memory (RSS) per service over the whole run',
      target: '≤ 200 MB each',
      measured: peaks.map(([name, mb]) => `${name} ${n0(mb)} MB`).join(', '),
      met: peaks.every(([, mb]) => mb <= 200),
      rawKafka: '–',
    });
    if (e.outage) {
      const o = e.outage;
      out.push({
        area: 'end to end',
        measure: `backlog drain after a ${Math.round(o.outageSeconds)} s PostgreSQL outage at ${n0(o.inputRatePerSec)} events/s`,
        target: '≥ 4 × input rate after 60 s',
        measured:
          `${n0(o.drainRatePerSec)}/s = ${o.ratio.toFixed(1)} × input (backlog ${n0(o.backlogAtRestart)} ` +
          `${o.drainSeconds === null ? `not drained within ${o.recoverTimeoutSeconds} s` : `drained in ${o.drainSeconds.toFixed(1)} s`})${o.note ? `; ${o.note}` : ''}`,
        met: o.outageSeconds >= 59 ? o.ratio >= 4 && o.drainSeconds !== null : null,
        rawKafka: both,
      });
    } else out.push({ area: 'end to end', measure: 'backlog drain after a 60 s PostgreSQL outage', target: '≥ 4 × input rate', measured: 'not measured in this run', met: null, rawKafka: '–' });
    const c = e.check;
    out.push({
      area: 'end to end',
      measure: 'every accepted event is one row, once',
      target: 'accepted ≤ rows ≤ sent, no duplicates',
      measured: `${n0(c.accepted)} accepted (${n0(c.sent)} sent), ${n0(c.rows)} rows, ${n0(c.distinctIds)} distinct ids${c.drained ? '' : `; the pipeline had not drained when counted (${n0(c.behind)} records still in lag), so missing rows may be in flight`}`,
      met: c.ok,
      rawKafka: '–',
    });
  } else failed('end to end', 'sustained throughput, latencies, memory, outage drain', '≥ 20,000 events/s; p99 ingest → alert ≤ 500 ms; ≤ 200 MB per service; drain ≥ 4 × input', 'e2e');
  return out;
}

/** Answers other than 202, if any (a 503 means Kafka did not acknowledge within ingest's bound). */
function statusNote(statuses: Record<string, number>): string {
  const other = Object.entries(statuses).filter(([code]) => code !== '202');
  return other.length ? `; also ${other.map(([code, count]) => `${count} × ${code === '0' ? 'connection error' : `HTTP ${code}`}`).join(', ')}` : '';
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function markdown(r: SuiteResults): string {
  const m = r.machine;
  const raw = (x: RawKafkaThroughput | undefined) =>
    x
      ? `producer **${n0(x.producerRecordsPerSec)} records/s** (${x.producerMBPerSec} MB/s, avg ${x.producerAvgLatencyMs} ms, p99 ${x.producerP99LatencyMs} ms), consumer **${n0(x.consumerRecordsPerSec)} records/s** (${x.consumerMBPerSec} MB/s); ${n0(x.records)} records of ${x.recordSize} B, acks=all, lz4, 6 partitions`
      : 'not measured in this run';
  const lines = [
    `# Sluice benchmark (${r.mode} run)`,
    '',
    `- Date: ${r.date}; the suite took ${Math.floor(r.durationSeconds / 60)} min ${Math.round(r.durationSeconds % 60)} s`,
    `- Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memGiB} GiB; load average ${m.loadAverageStart.join(' / ')} (1 / 5 / 15 min) at the start, ${m.loadAverageEnd.join(' / ')} at the end; Node ${m.node}`,
    `- Kafka ${r.kafka.version}, one KRaft broker on the same machine (${r.kafka.brokers}); every service, Kafka, PostgreSQL, the registry and the load generators share these ${m.nproc} CPUs, and so does whatever else the load average shows`,
    `- Raw Kafka on the same broker in the same run (Kafka\u2019s own ProducerPerformance and ConsumerPerformance): ${raw(r.rawKafka)}`,
    '',
    '| Area | Measure | Target | Measured | Met | Raw Kafka, same run |',
    '|---|---|---|---|---|---|',
    ...rows(r).map((x) => `| ${esc(x.area)} | ${esc(x.measure)} | ${esc(x.target)} | ${esc(x.measured)} | ${x.met === null ? '–' : x.met ? 'yes' : '**no**'} | ${esc(x.rawKafka)} |`),
    '',
  ];
  if (r.e2e) {
    const e = r.e2e;
    const lagLine = (label: string, lag: Record<string, { records: number; seconds: number }>) =>
      `${label}: ${Object.entries(lag).map(([g, l]) => `${g} ${n0(l.records)} records / ${l.seconds} s`).join(', ') || '–'}`;
    lines.push(
      'End to end, details:',
      '',
      `- ${lagLine('max lag in the 5,000 events/s phase', e.latency.maxLag)}`,
      ...(e.capacity
        ? e.capacity.steps.map(
            (st) =>
              `- capacity step ${n0(st.rate)} events/s: accepted ${n0(st.acceptedPerSec)}/s; ingest → persisted p50 ${ms(st.persistedMs.p50)}, p99 ${ms(st.persistedMs.p99)} (${n0(st.persisted)}/${n0(st.accepted)} confirmed); ingest → alert p50 ${ms(st.alertMs.p50)}, p99 ${ms(st.alertMs.p99)} (${st.alertMs.n} bursts${st.alertsMissing ? `, ${st.alertsMissing} without an alert` : ''}); peak RSS ${Object.entries(st.peakRssMB).map(([name, mb]) => `${name} ${n0(mb)}`).join(', ')} MB; max lag ${n0(st.maxLag.records)} records / ${st.maxLag.seconds} s${st.furthestBehind ? ` (${st.furthestBehind})` : ''}; drained ${st.drainSeconds === null ? 'not within the timeout' : `in ${st.drainSeconds.toFixed(1)} s`}: ${st.ok ? 'kept up' : `not kept up (${st.reason})`}`,
          )
        : []),
      `- ${lagLine('max lag in the sustained phase', e.sustained.maxLag)}`,
      `- ${lagLine('lag when the sustained load stopped', e.sustained.lagAtEnd)}`,
      `- the load process's own event-loop delay (p99 / max): ${[e.latency.load, e.outage?.load, e.sustained.load]
        .filter((l) => l !== undefined)
        .map((l) => `${l!.tag} ${l!.loadLoopDelayMs.p99} / ${l!.loadLoopDelayMs.max} ms`)
        .join(', ')}; large values mean the machine starved the load generator too, and its latencies include that`,
      `- sustained phase: ${n0(e.sustained.load.offeredPerSec)} events/s offered, ${n0(e.sustained.load.acceptedPerSec)} accepted; ack p99 ${ms(e.sustained.ackMs.p99)}; ingest → persisted p50 ${ms(e.sustained.persistedMs.p50)}, p99 ${ms(e.sustained.persistedMs.p99)}; HTTP statuses ${JSON.stringify(e.sustained.load.statuses)}`,
      `- CPU seconds used by each service over the whole end-to-end run: ${Object.entries(e.cpuSeconds).map(([name, cpu]) => `${name} ${cpu.toFixed(0)}`).join(', ')}`,
      `- confirmations redelivered (not new rows): ${e.check.confirmationsRedelivered}`,
      '',
    );
  }
  const notes = [
    'Stage throughput is measured from the group\u2019s first commit to lag zero (start-up excluded), one process, input preloaded by another process into a fresh topic. "Per CPU-second" is the stage process\u2019s own CPU time, which does not depend on what else the machine is doing.',
    'Latencies: ingest acknowledgement is the HTTP round trip (ingest answers after Kafka acks=all); ingest → persisted is from the HTTP send to persist\u2019s database commit (confirmations topic); ingest → alert is from the HTTP send of the fifth event of a burst that fires influencer-negative-burst to the alert\u2019s arrival on a WebSocket client of notify.',
    'Capacity steps: each rate is offered for a fixed time from an empty pipeline; it counts as kept up when ingest accepted at least 95% of it, every accepted event was confirmed in PostgreSQL, p99 ingest → persisted stayed within 10 s, no group fell more than 10 s behind, and every group drained within 10 s of the step\u2019s end. A rate a little above capacity can pass a short step, so the figure is an upper bound to within one step.',
    'PostgreSQL: the suite runs its own cluster (deploy/postgres/postgres.sh, same settings, its own port) so that the outage phase can stop it without touching the shared one.',
  ];
  if (r.skipped.length) notes.push(`Not run in this invocation: ${r.skipped.join(', ')}.`);
  for (const [phase, err] of Object.entries(r.errors)) notes.push(`Phase ${phase} failed: ${err.split('\n')[0]}`);
  lines.push('Notes:', '', ...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
