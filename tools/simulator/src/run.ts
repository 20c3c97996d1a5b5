/**
 * Plays a traffic timeline in real time through a send function (the client's send): history as fast as
 * allowed first, then live events at their times. Counts what was sent, accepted, rejected and failed.
 */
import type { EventInput, SendResult } from '@sluice/client';
import type { Scenario } from './events';
import { generateTraffic, plannedBursts, type PlannedBurst, type TrafficOptions } from './traffic';

export interface SimulateOptions extends Omit<TrafficOptions, 'startTime'> {
  send: (event: EventInput) => Promise<SendResult>;
  /** Event time of the start (default now). */
  startTime?: number;
  /** History is sent at most this fast, events per second (default max(500, 100 × rate)). */
  historyRate?: number;
  /** Most sends awaiting their result before the simulator waits (default 20,000). */
  maxOutstanding?: number;
  /** Stops the run early (Ctrl-C); what was sent is still awaited. */
  signal?: AbortSignal;
  onProgress?: (report: SimulationReport) => void;
  progressEveryMs?: number;
}

export interface SimulationReport {
  /** Live events sent, and history events sent before them. */
  sent: number;
  history: number;
  accepted: number;
  rejected: number;
  failed: number;
  byScenario: Partial<Record<Scenario, number>>;
  bySource: Record<string, number>;
  byKind: Record<string, number>;
  /** First few rejection and failure reasons, with the event id. */
  problems: string[];
  elapsedMs: number;
  bursts: PlannedBurst[];
  done: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const startTime = options.startTime ?? Date.now();
  const traffic: TrafficOptions = { ...options, startTime };
  const report: SimulationReport = {
    sent: 0,
    history: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    byScenario: {},
    bySource: {},
    byKind: {},
    problems: [],
    elapsedMs: 0,
    bursts: plannedBursts(traffic, 20),
    done: false,
  };
  const began = Date.now();
  const historyRate = options.historyRate ?? Math.max(500, options.rate * 100);
  const maxOutstanding = options.maxOutstanding ?? 20_000;
  let outstanding = 0;
  let room: (() => void) | null = null;
  const pending = new Set<Promise<void>>();

  const send = (event: EventInput) => {
    outstanding++;
    const p = options.send(event).then(
      (r) => {
        report[r.status]++;
        if (r.status !== 'accepted' && report.problems.length < 20) report.problems.push(`${r.id}: ${r.status === 'rejected' ? r.reasons.join('; ') : r.error}`);
      },
      (err: Error) => {
        report.failed++;
        if (report.problems.length < 20) report.problems.push(`${event.id}: ${err.message}`);
      },
    );
    const tracked = p.finally(() => {
      outstanding--;
      pending.delete(tracked);
      room?.();
      room = null;
    });
    pending.add(tracked);
  };

  const progress = setInterval(() => {
    report.elapsedMs = Date.now() - began;
    options.onProgress?.({ ...report });
  }, options.progressEveryMs ?? 5000);
  progress.unref();

  let liveStart = -1;
  let historySent = 0;
  try {
    for (const { atMs, scenario, event } of generateTraffic(traffic)) {
      if (options.signal?.aborted) break;
      if (atMs < 0) {
        // History: paced by count, not by its (past) event times.
        historySent++;
        const due = began + (historySent / historyRate) * 1000;
        if (due - Date.now() > 5) await sleep(due - Date.now(), options.signal);
        report.history++;
      } else {
        if (liveStart < 0) liveStart = Date.now();
        const due = liveStart + atMs;
        if (due - Date.now() > 5) await sleep(due - Date.now(), options.signal);
        if (options.signal?.aborted) break;
        report.sent++;
        report.byScenario[scenario] = (report.byScenario[scenario] ?? 0) + 1;
        report.bySource[event.source] = (report.bySource[event.source] ?? 0) + 1;
        report.byKind[event.kind] = (report.byKind[event.kind] ?? 0) + 1;
      }
      while (outstanding >= maxOutstanding) await new Promise<void>((r) => (room = r));
      send(event);
    }
    while (pending.size > 0) await Promise.all([...pending]);
  } finally {
    clearInterval(progress);
  }
  report.elapsedMs = Date.now() - began;
  report.done = !options.signal?.aborted;
  return report;
}
