/**
 * End to end: the five services as separate processes on the shared broker and registry and the
 * bench's own PostgreSQL cluster, traffic from a separate load process through ingest over HTTP.
 *   warm-up     a few seconds at a low rate (groups joined, code warm)
 *   latency     5,000 events/s with bursts that fire score's influencer-negative-burst rule: ingest
 *               acknowledgement, ingest -> persisted (confirmations) and ingest -> alert on a WebSocket
 *   capacity    steps of rising rate until one is not sustained: the highest rate the whole pipeline
 *               keeps up with (persisted as fast as accepted, lag bounded, drained soon after)
 *   outage      5,000 events/s, PostgreSQL stopped for a while, then the rate at which persist drains
 *               the backlog, against the input rate
 *   sustained   the target rate (20,000 events/s): the persisted rate while the load runs, and lag;
 *               last, because it may overload the pipeline on purpose
 * Each phase starts once the previous one has drained (or a timeout passed, which the result notes).
 * Lag of every group is sampled each second throughout; peak RSS of every service over the whole run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import WebSocket from 'ws';
import { STAGE_INPUTS, naming, type Alert, type GroupStage, type TopicKey } from '@sluice/contracts';
import { AvroSerde, LagTracker, RegistryClient, ensureTopics, kafkaAdminClient } from '@sluice/runtime';
import type { Admin } from 'kafkajs';
import { ConfirmationWatcher } from './confirmations';
import type { LoadStats } from './e2e-load';
import type { BenchPostgres } from './pg';
import { PeakRss, pidsOf, sleep, startService, stopChild, type ServiceProcess } from './proc';
import { summarize } from './stats';

export interface E2EOptions {
  warmSeconds: number;
  latencyRate: number;
  latencySeconds: number;
  burstEveryMs: number;
  sustainedRate: number;
  sustainedSeconds: number;
  /** Rising rates, each offered for stepSeconds, until the first the pipeline does not sustain. */
  capacity: { rates: number[]; stepSeconds: number } | null;
  outage: { seconds: number; beforeSeconds: number; recoverTimeoutSeconds: number } | null;
  drainTimeoutSeconds: number;
  /** How long the final count waits for the backlog the overload phase left, while it keeps shrinking. */
  finalDrainTimeoutSeconds: number;
}

type Summary = ReturnType<typeof summarize>;

export interface LagPeak {
  records: number;
  seconds: number;
}

export interface E2EResult {
  services: string[];
  latency: {
    load: LoadStats;
    ackMs: Summary;
    persistedMs: Summary;
    persistedMissing: number;
    alertMs: Summary;
    bursts: number;
    alertsMissing: number;
    maxLag: Record<string, LagPeak>;
  };
  capacity: null | {
    stepSeconds: number;
    steps: CapacityStep[];
    /** The highest step rate sustained (0: not even the first). */
    sustainedRate: number;
  };
  sustained: {
    load: LoadStats;
    /** Events committed to PostgreSQL per second while the load ran (first 5 s of ramp left out). */
    persistedPerSec: number;
    ackMs: Summary;
    persistedMs: Summary;
    maxLag: Record<string, LagPeak>;
    lagAtEnd: Record<string, LagPeak>;
    drainSeconds: number | null;
    bounded: boolean;
  };
  outage: null | {
    load: LoadStats;
    outageSeconds: number;
    backlogAtRestart: number;
    /** Seconds from the restart until persist's lag was back to its level before the outage (null: not within the timeout). */
    drainSeconds: number | null;
    drainRatePerSec: number;
    inputRatePerSec: number;
    ratio: number;
    recoverTimeoutSeconds: number;
    persistRestarted: boolean;
    note?: string;
  };
  /**
   * Every accepted event is one row, once. Events of a request answered 503 (Kafka did not acknowledge in
   * time) may still have landed, so rows lie between accepted and sent.
   */
  check: { accepted: number; sent: number; rows: number; distinctIds: number; confirmationsRedelivered: number; drained: boolean; behind: number; ok: boolean };
  peakRssMB: Record<string, number>;
  cpuSeconds: Record<string, number>;
  persistedPerSecTimeline: Array<[number, number]>;
}

export interface CapacityStep {
  rate: number;
  acceptedPerSec: number;
  /** The step's events confirmed in PostgreSQL, of those accepted. */
  persisted: number;
  accepted: number;
  /** HTTP send → database commit of the step's events. */
  persistedMs: Summary;
  /** HTTP send of a burst's fifth event → its alert on a WebSocket client (not part of the judgement). */
  alertMs: Summary;
  alertsMissing: number;
  /** Peak RSS of each service during the step. */
  peakRssMB: Record<string, number>;
  maxLag: LagPeak;
  /** The group furthest behind during the step. */
  furthestBehind: string | null;
  /** Seconds from the end of the step until every group had drained (null: not within the timeout). */
  drainSeconds: number | null;
  ok: boolean;
  /** Why the step did not count as sustained. */
  reason?: string;
}

/**
 * A step is sustained when ingest accepted what was offered, every accepted event reached PostgreSQL,
 * none took more than 10 s to get there (p99), no group fell more than 10 s behind, and all groups
 * drained within 10 s of the step's end. Above the pipeline's capacity the backlog, and with it the
 * latency, grows for as long as the step lasts.
 */
export function judgeStep(s: Omit<CapacityStep, 'ok' | 'reason'>): { ok: boolean; reason?: string } {
  const reasons: string[] = [];
  if (s.acceptedPerSec < 0.95 * s.rate) reasons.push(`ingest accepted ${Math.round(s.acceptedPerSec)}/s`);
  if (s.persisted < s.accepted) reasons.push(`${s.accepted - s.persisted} of ${s.accepted} accepted not persisted`);
  if (s.persistedMs.n > 0 && s.persistedMs.p99 > 10_000) reasons.push(`ingest → persisted p99 ${Math.round(s.persistedMs.p99 / 1000)} s`);
  if (s.maxLag.seconds > 10) reasons.push(`${s.furthestBehind ?? 'a group'} ${s.maxLag.seconds} s behind`);
  if (s.drainSeconds === null || s.drainSeconds > 10) reasons.push(s.drainSeconds === null ? 'did not drain' : `drained in ${s.drainSeconds.toFixed(0)} s`);
  return reasons.length ? { ok: false, reason: reasons.join(', ') } : { ok: true };
}

const GROUP_STAGES: GroupStage[] = ['enrich', 'score', 'persist', 'notify'];

/** Samples every group's lag once a second; keeps the peak per phase. */
class LagSampler {
  private readonly tracker: LagTracker;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  phase = 'start';
  readonly peaks = new Map<string, Record<string, LagPeak>>();
  readonly latest: Record<string, LagPeak> = {};

  constructor(
    admin: Admin,
    private readonly names: ReturnType<typeof naming>,
  ) {
    this.tracker = new LagTracker(admin, false);
  }

  start(): void {
    const tick = async () => {
      if (this.running) return;
      this.running = true;
      try {
        await this.sample();
      } catch {
        // a slow broker answer: the next tick samples again
      } finally {
        this.running = false;
      }
    };
    this.timer = setInterval(() => void tick(), 1000);
  }

  async sample(): Promise<Record<string, LagPeak>> {
    for (const stage of GROUP_STAGES) {
      const l = await this.tracker.sample(this.names.group(stage), STAGE_INPUTS[stage].map((k: TopicKey) => this.names.topic(k)));
      const now = { records: l.totalRecords, seconds: Math.round(l.maxSeconds * 10) / 10 };
      this.latest[stage] = now;
      let peaks = this.peaks.get(this.phase);
      if (!peaks) this.peaks.set(this.phase, (peaks = {}));
      const p = (peaks[stage] ??= { records: 0, seconds: 0 });
      p.records = Math.max(p.records, now.records);
      p.seconds = Math.max(p.seconds, now.seconds);
    }
    return { ...this.latest };
  }

  async committed(stage: GroupStage): Promise<number> {
    const l = await this.tracker.sample(this.names.group(stage), STAGE_INPUTS[stage].map((k: TopicKey) => this.names.topic(k)));
    return l.partitions.reduce((s, p) => s + p.committed, 0);
  }

  peaksOf(phase: string): Record<string, LagPeak> {
    return this.peaks.get(phase) ?? {};
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function request<T>(child: ChildProcess, msg: Record<string, unknown>, reply: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off('message', on);
      child.off('exit', exited);
    };
    const on = (m: { type: string; error?: string }) => {
      if (m.type === reply) {
        done();
        resolve(m as T);
      } else if (m.type === 'failed') {
        done();
        reject(new Error(`load process: ${m.error}`));
      }
    };
    const exited = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`the load process exited (${code ?? signal})`));
    };
    child.on('message', on);
    child.once('exit', exited);
    child.send(msg);
  });
}

/** Retries a broker call a few times: the shared broker may be restarted by someone else's test. */
async function retrying<T>(fn: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(1000);
    }
  }
}

const allDrained = (lag: Record<string, LagPeak>) => GROUP_STAGES.every((s) => (lag[s]?.records ?? 1) === 0);

export async function endToEnd(ctx: { brokers: string[]; registryUrl: string; pg: BenchPostgres; log: (m: string) => void }, o: E2EOptions): Promise<E2EResult> {
  const { brokers, registryUrl, pg, log } = ctx;
  const stamp = Date.now().toString(36);
  const prefix = `bench.e2e.${stamp}`;
  const names = naming(prefix);
  const dbName = `bench_e2e_${stamp}`;
  const apiKey = randomBytes(24).toString('hex');
  const token = `bench-analyst-${randomBytes(12).toString('hex')}`;

  const admin = kafkaAdminClient(brokers, 'bench-e2e-admin');
  await admin.connect();
  await retrying(() => ensureTopics(admin, names));
  const serde = new AvroSerde(new RegistryClient(registryUrl), prefix);
  await serde.register(['raw', 'enriched', 'scored', 'alerts', 'dlq', 'confirmations']);
  const dbUrl = await pg.createDatabase(dbName);

  const procs: Record<string, ServiceProcess> = {};
  const registryRss = new PeakRss();
  const registryPid = pidsOf('services/registry/dist/main.js')[0];
  if (registryPid) registryRss.track(() => registryPid);
  let load: ChildProcess | undefined;
  let ws: WebSocket | undefined;
  const watcher = new ConfirmationWatcher(brokers, serde);
  const lag = new LagSampler(admin, names);
  const common = { KAFKA_BROKERS: brokers.join(','), REGISTRY_URL: registryUrl, SLUICE_TOPIC_PREFIX: prefix };
  try {
    // Downstream first, so ingest's lag watch sees committed groups.
    const start = async (name: string, env: Record<string, string>, nodeArgs: string[] = []) => {
      const t0 = Date.now();
      procs[name] = await startService(name, env, nodeArgs);
      log(`e2e: ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    await start('persist', { ...common, DATABASE_URL: dbUrl }, ['--max-semi-space-size=16']);
    await start('notify', { ...common, NOTIFY_TOKENS: `bench:${token}` });
    await start('score', common);
    await start('enrich', common);
    await start('ingest', {
      ...common,
      INGEST_API_KEYS: `bench:${createHash('sha256').update(apiKey).digest('hex')}`,
      INGEST_RATE_PER_SEC: '1000000',
      INGEST_BURST: '1000000',
    });

    // Alert arrivals on a WebSocket client, by the burst's source.
    const arrivals = new Map<string, number>();
    ws = new WebSocket(`ws://127.0.0.1:${procs.notify.port}/ws`, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('message', (data) => {
      const at = Date.now();
      const msg = JSON.parse(String(data)) as { type: string; alert?: Alert };
      if (msg.type === 'alert' && msg.alert?.rule === 'influencer-negative-burst' && msg.alert.source && !arrivals.has(msg.alert.source)) arrivals.set(msg.alert.source, at);
    });
    await new Promise<void>((resolve, reject) => {
      ws!.once('open', () => resolve());
      ws!.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve) => ws!.on('message', (d) => String(d).includes('"subscribed"') && resolve()));
    ws.send(JSON.stringify({ type: 'subscribe', filter: {} }));
    await subscribed;

    await watcher.start();
    lag.start();
    load = fork(path.join(__dirname, 'e2e-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await request(load, { type: 'init', url: procs.ingest.url, apiKey }, 'ready');
    const runLoad = (tag: string, rate: number, seconds: number, burstEveryMs = 0) =>
      request<{ stats: LoadStats }>(load!, { type: 'run', tag, rate, seconds, burstEveryMs }, 'done').then((m) => m.stats);
    const waitDrained = async (timeoutS: number): Promise<number | null> => {
      const from = Date.now();
      while (Date.now() - from < timeoutS * 1000) {
        if (allDrained(await lag.sample().catch(() => ({})))) return (Date.now() - from) / 1000;
        await sleep(500);
      }
      return null;
    };

    /** Ingest → alert on the WebSocket client of each burst that alerted within `timeoutMs`. */
    const alertLatencies = async (bursts: LoadStats['bursts'], timeoutMs: number): Promise<number[]> => {
      const deadline = Date.now() + timeoutMs;
      while (bursts.some((b) => !arrivals.has(b.source)) && Date.now() < deadline) await sleep(250);
      return bursts.filter((b) => arrivals.has(b.source)).map((b) => arrivals.get(b.source)! - b.lastSentAt);
    };

    /** Names the phase for the lag peaks and the services' memory peaks. */
    const phase = (name: string) => {
      lag.phase = name;
      for (const p of Object.values(procs)) p.rss.phase = name;
    };

    // Warm-up.
    phase('warm');
    log(`e2e: warm-up ${o.warmSeconds} s at ${Math.min(2000, o.latencyRate)} events/s`);
    const warm = await runLoad('warm', Math.min(2000, o.latencyRate), o.warmSeconds);
    await watcher.waitFor('warm', warm.eventsAccepted, o.drainTimeoutSeconds * 1000);
    await waitDrained(o.drainTimeoutSeconds);

    // Latency at 5,000 events/s, with bursts.
    phase('latency');
    log(`e2e: latency phase ${o.latencySeconds} s at ${o.latencyRate} events/s, a burst every ${o.burstEveryMs} ms`);
    const lat = await runLoad('lat', o.latencyRate, o.latencySeconds, o.burstEveryMs);
    await watcher.waitFor('lat', lat.eventsAccepted, o.drainTimeoutSeconds * 1000);
    const alertMs = await alertLatencies(lat.bursts, 30_000);
    const latency: E2EResult['latency'] = {
      load: lat,
      ackMs: lat.ackMs,
      persistedMs: summarize(watcher.latencies.get('lat') ?? []),
      persistedMissing: Math.max(0, lat.eventsAccepted - watcher.count('lat')),
      alertMs: summarize(alertMs),
      bursts: lat.bursts.length,
      alertsMissing: lat.bursts.length - alertMs.length,
      maxLag: lag.peaksOf('latency'),
    };
    log(`e2e: ack p99 ${Math.round(latency.ackMs.p99)} ms; persisted p50/p99 ${latency.persistedMs.p50}/${latency.persistedMs.p99} ms; alert p50/p99 ${latency.alertMs.p50}/${latency.alertMs.p99} ms (${alertMs.length}/${lat.bursts.length} bursts)`);
    await waitDrained(o.drainTimeoutSeconds);

    // Capacity: rising steps until one is not sustained.
    let capacity: E2EResult['capacity'] = null;
    const capacityLoads: LoadStats[] = [];
    if (o.capacity) {
      const steps: CapacityStep[] = [];
      for (const rate of o.capacity.rates) {
        // Each step starts from an empty pipeline: a backlog left by the phase before would count against it.
        if ((await waitDrained(o.finalDrainTimeoutSeconds)) === null) {
          log(`e2e: capacity steps stopped: the pipeline did not drain within ${o.finalDrainTimeoutSeconds} s before the ${rate}/s step`);
          break;
        }
        const tag = `cap${rate}`;
        phase(tag);
        log(`e2e: capacity step ${o.capacity.stepSeconds} s at ${rate} events/s`);
        const run = await runLoad(tag, rate, o.capacity.stepSeconds, o.burstEveryMs);
        capacityLoads.push(run);
        const drainSeconds = await waitDrained(o.drainTimeoutSeconds);
        await watcher.waitFor(tag, run.eventsAccepted, 5000);
        const peaks = Object.entries(lag.peaksOf(tag));
        const furthest = peaks.reduce<[string, LagPeak] | null>((a, b) => (a === null || b[1].seconds > a[1].seconds ? b : a), null);
        const stepAlerts = await alertLatencies(run.bursts, 10_000);
        const measured = {
          rate,
          alertMs: summarize(stepAlerts),
          alertsMissing: run.bursts.length - stepAlerts.length,
          peakRssMB: Object.fromEntries(Object.entries(procs).map(([name, p]) => [name, p.rss.byPhase.get(tag) ?? 0])),
          acceptedPerSec: run.acceptedPerSec,
          accepted: run.eventsAccepted,
          persisted: watcher.count(tag),
          persistedMs: summarize(watcher.latencies.get(tag) ?? []),
          maxLag: { records: Math.max(0, ...peaks.map(([, l]) => l.records)), seconds: furthest?.[1].seconds ?? 0 },
          furthestBehind: furthest && furthest[1].seconds > 0 ? furthest[0] : null,
          drainSeconds,
        };
        const step: CapacityStep = { ...measured, ...judgeStep(measured) };
        steps.push(step);
        log(`e2e: capacity ${rate}/s: accepted ${Math.round(step.acceptedPerSec)}/s, persisted p50/p99 ${step.persistedMs.p50}/${step.persistedMs.p99} ms, alert p99 ${step.alertMs.p99} ms, peak RSS ${JSON.stringify(step.peakRssMB)}, max lag ${step.maxLag.records} records / ${step.maxLag.seconds} s, ${step.ok ? 'sustained' : `not sustained (${step.reason})`}`);
        if (!step.ok) break;
      }
      capacity = { stepSeconds: o.capacity.stepSeconds, steps, sustainedRate: Math.max(0, ...steps.filter((s) => s.ok).map((s) => s.rate)) };
    }

    // PostgreSQL outage at 5,000 events/s.
    let outage: E2EResult['outage'] = null;
    if (o.outage) {
      const drainedBefore = allDrained(await lag.sample().catch(() => ({})));
      phase('outage-before');
      const rate = o.latencyRate;
      log(`e2e: outage phase: ${rate} events/s, PostgreSQL stopped after ${o.outage.beforeSeconds} s for ${o.outage.seconds} s`);
      const running = runLoad('pg', rate, o.outage.beforeSeconds + o.outage.seconds + o.outage.recoverTimeoutSeconds + 30);
      await sleep(o.outage.beforeSeconds * 1000);
      // Caught up: persist's lag back to what it was before the outage (at least half a second of input).
      const steadyLag = Math.max(1.5 * (lag.peaksOf('outage-before').persist?.records ?? 0), rate / 2);
      phase('outage');
      const stoppedAt = Date.now();
      await pg.stop();
      await sleep(Math.max(0, o.outage.seconds * 1000 - (Date.now() - stoppedAt)));
      await pg.start();
      const restartedAt = Date.now();
      const outageSeconds = (restartedAt - stoppedAt) / 1000;
      let persistRestarted = false;
      let note: string | undefined = drainedBefore ? undefined : 'the pipeline had not drained the previous phase when the outage began';
      if (procs.persist.exited()) {
        persistRestarted = true;
        note = [note, 'persist exited during the outage and was restarted'].filter(Boolean).join('; ');
        await procs.persist.restart();
      }
      phase('outage-recovery');
      const c0 = await retrying(() => lag.committed('persist'));
      const backlog = (await retrying(() => lag.sample())).persist?.records ?? 0;
      let caughtUp = false;
      const recoverDeadline = restartedAt + o.outage.recoverTimeoutSeconds * 1000;
      while (Date.now() < recoverDeadline && !caughtUp) {
        await sleep(500);
        const l = await lag.sample().catch(() => null);
        caughtUp = l !== null && (l.persist?.records ?? Infinity) <= steadyLag;
      }
      // The rate persist committed at from the restart until caught up (or, if it did not, until the timeout).
      const c1 = await retrying(() => lag.committed('persist'));
      const elapsed = (Date.now() - restartedAt) / 1000;
      const drainSeconds = caughtUp ? elapsed : null;
      load.send({ type: 'stop' });
      const pgLoad = await running;
      const drainRate = (c1 - c0) / elapsed;
      outage = {
        load: pgLoad,
        outageSeconds,
        backlogAtRestart: backlog,
        drainSeconds,
        drainRatePerSec: drainRate,
        inputRatePerSec: pgLoad.acceptedPerSec,
        ratio: drainRate / pgLoad.acceptedPerSec,
        recoverTimeoutSeconds: o.outage.recoverTimeoutSeconds,
        persistRestarted,
        note,
      };
      log(`e2e: outage ${outageSeconds.toFixed(0)} s, backlog ${backlog}, ${drainSeconds === null ? 'not caught up' : `caught up in ${drainSeconds.toFixed(1)} s`}; persist committed ${Math.round(drainRate)}/s (input ${Math.round(pgLoad.acceptedPerSec)}/s)${note ? `; ${note}` : ''}`);
      await waitDrained(o.drainTimeoutSeconds);
    }

    // Sustained at the target rate.
    phase('sustained');
    log(`e2e: sustained phase ${o.sustainedSeconds} s at ${o.sustainedRate} events/s`);
    const susStart = Date.now();
    const sus = await runLoad('sus', o.sustainedRate, o.sustainedSeconds);
    const susEnd = susStart + sus.seconds * 1000;
    const lagAtEnd = await lag.sample().catch(() => ({}) as Record<string, LagPeak>);
    phase('sustained-drain');
    const drainSeconds = await waitDrained(o.drainTimeoutSeconds);
    await watcher.waitFor('sus', sus.eventsAccepted, 10_000);
    const rampMs = Math.min(5000, (susEnd - susStart) / 4);
    // Every commit in the window counts, whichever phase sent the event: it is the pipeline's throughput.
    const persistedPerSec = watcher.committedBetween(null, susStart + rampMs, susEnd) / ((susEnd - susStart - rampMs) / 1000);
    const maxLag = lag.peaksOf('sustained');
    const maxLagSeconds = Math.max(0, ...Object.values(maxLag).map((l) => l.seconds));
    const sustained: E2EResult['sustained'] = {
      load: sus,
      persistedPerSec,
      ackMs: sus.ackMs,
      persistedMs: summarize(watcher.latencies.get('sus') ?? []),
      maxLag,
      lagAtEnd,
      drainSeconds,
      // Bounded: no group more than 10 s behind while the load ran, and caught up within 10 s after.
      bounded: maxLagSeconds <= 10 && drainSeconds !== null && drainSeconds <= 10,
    };
    log(`e2e: sustained: accepted ${Math.round(sus.acceptedPerSec)}/s, persisted ${Math.round(persistedPerSec)}/s, max lag ${JSON.stringify(maxLag)}, drained in ${drainSeconds ?? 'timeout'} s`);

    // Nothing lost, nothing doubled: checked once the pipeline has drained (else what is still in flight is reported).
    phase('final');
    const finalDrain = await waitDrained(o.finalDrainTimeoutSeconds);
    const behind = Object.values(await lag.sample().catch(() => ({}) as Record<string, LagPeak>)).reduce((s, l) => s + l.records, 0);
    await sleep(1000);
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    const rows = (await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT id) AS d FROM events')).rows[0];
    await db.end();
    const loads = [warm, lat, sus, outage?.load, ...capacityLoads];
    const accepted = loads.reduce((s, l) => s + (l?.eventsAccepted ?? 0), 0);
    const sent = loads.reduce((s, l) => s + (l?.eventsSent ?? 0), 0);
    const rowCount = Number(rows.n);
    const timeline = new Map<number, number>();
    for (const tag of ['warm', 'lat', 'sus', 'pg', ...capacityLoads.map((l) => l.tag)]) for (const [s, n] of watcher.perSecond.get(tag) ?? []) timeline.set(s, (timeline.get(s) ?? 0) + n);
    const peakRssMB: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    for (const [name, p] of Object.entries(procs)) {
      peakRssMB[name] = p.rss.mb;
      cpu[name] = p.cpuSeconds();
    }
    if (registryPid) peakRssMB.registry = registryRss.mb;
    return {
      services: Object.keys(procs),
      latency,
      capacity,
      sustained,
      outage,
      check: {
        accepted,
        sent,
        rows: rowCount,
        distinctIds: Number(rows.d),
        confirmationsRedelivered: watcher.duplicates,
        drained: finalDrain !== null,
        behind,
        ok: finalDrain !== null && rowCount >= accepted && rowCount <= sent && Number(rows.d) === rowCount,
      },
      peakRssMB,
      cpuSeconds: cpu,
      persistedPerSecTimeline: [...timeline.entries()].sort((a, b) => a[0] - b[0]),
    };
  } finally {
    // Clean-up never masks the phase's own error (a broker restarted by someone else, say).
    const quietly = (what: string, p: Promise<unknown>) => p.catch((e: Error) => log(`e2e clean-up: ${what} failed: ${e.message}`));
    lag.stop();
    registryRss.stop();
    ws?.close();
    if (load) await stopChild(load, 5000);
    await quietly('stopping the confirmations reader', watcher.stop());
    await Promise.all(Object.values(procs).map((p) => quietly(`stopping ${p.name}`, p.stop())));
    for (const p of Object.values(procs)) p.rss.stop();
    if (!(await pg.up())) await quietly('restarting PostgreSQL', pg.start());
    await quietly('dropping the database', pg.dropDatabase(dbName));
    await quietly(
      'deleting the topics',
      admin.listTopics().then((all) => admin.deleteTopics({ topics: all.filter((t) => t.startsWith(`${prefix}.`)) })),
    );
    await quietly('disconnecting the admin client', admin.disconnect());
  }
}
