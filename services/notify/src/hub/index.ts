import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Alert } from '@sluice/contracts';
import type { Logger } from '@sluice/runtime';
import { DecisionLog, DedupWindow } from '../dedup';
import { FilterError, matchesFilter, parseFilter } from '../filter';
import { CursorError, encodeCursor, maxOffsets, parseCursor, positionId, type Offsets } from '../position';
import { notifyMetrics } from '../metrics';
import { ClientConnection, type ClientLimits } from './client';
import type { CatchupSource, Notification, ProcessedRecord, StoredRecord } from './types';

export * from './client';
export * from './types';

export type AckResult = { ok: true; id: string; dedupKey: string } | { ok: false; error: string };

export interface HubOptions {
  limits: ClientLimits;
  /** Ping interval; a client that has not answered the previous ping is terminated. */
  heartbeatMs: number;
  source: CatchupSource;
  /** Decodes alert values read back from Kafka (null for a value that does not decode). */
  decode: (values: Array<Buffer | null>) => Promise<Array<Alert | null>>;
  decisions: DecisionLog;
  /** Window of the stand-in dedup for records older than this process's decision log. */
  dedupWindowMs: number;
  onAck: (id: string, principal: string) => AckResult;
  /** A client asked for the pipeline view (so its data starts flowing without waiting for a refresh). */
  onPipelineWanted?: () => void;
  logger: Logger;
}

const sharedMessage = (n: Notification, alertJson: string, cursor: string, replay: boolean): Buffer =>
  Buffer.from(
    `{"type":"alert","id":"${n.id}","cursor":"${cursor}","status":"${n.status}","resurfaced":${n.status === 'resurfaced'},"replay":${replay},` +
      `"partition":${n.partition},"offset":${n.offset},"timestamp":${n.timestamp},"alert":${alertJson}}`,
  );

/**
 * The WebSocket side: connections, subscriptions, live fan-out and catch-up.
 *
 * Live alerts come from the stage handler through publish(), in partition order, and carry their
 * Kafka position as id plus the cursor a client hands back to resume. A client subscribing with a
 * cursor is first given what it missed, read back from Kafka up to where the live stream stood when
 * it asked; live alerts arriving meanwhile wait in its pending list and are delivered after, skipping
 * any position already given, so the switch to live has neither a gap nor a duplicate.
 */
export class Hub {
  /** Next offset per partition the live stream has passed. */
  readonly positions: Offsets = new Map();
  readonly clients = new Set<ClientConnection>();
  evictions = 0;
  private markReady!: () => void;
  private isReady = false;
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  private readonly heartbeat: NodeJS.Timeout;
  private lastStats: Buffer | null = null;
  private readonly catchups = new Set<Promise<void>>();
  /** Live alerts held per catching-up client; half the send queue, so flushing them cannot overflow it. */
  private readonly maxPending: number;

  constructor(private readonly options: HubOptions) {
    this.maxPending = Math.max(1, Math.floor(options.limits.maxQueue / 2));
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Where the live stream starts on newly assigned partitions. */
  startPositions(start: Offsets): void {
    for (const [p, o] of start) this.positions.set(p, Math.max(o, this.positions.get(p) ?? 0));
    if (!this.isReady) {
      this.isReady = true;
      this.markReady();
    }
  }

  get liveCursor(): string {
    return encodeCursor(this.positions);
  }

  /** `socket` is the upgraded socket under `ws`, when the caller has it (lets a batch be written at once). */
  accept(ws: WebSocket, principal: string, socket: Duplex | null = null): ClientConnection {
    const client = new ClientConnection(
      randomUUID(),
      principal,
      ws,
      this.options.limits,
      (c, reason) => {
        this.evictions++;
        notifyMetrics.evictions.inc({ reason: 'slow_consumer' });
        this.options.logger.warn({ client: c.id, principal: c.principal, reason }, 'client disconnected');
      },
      socket,
    );
    this.clients.add(client);
    notifyMetrics.clients.set(this.clients.size);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => {
      client.alive = true;
      this.onMessage(client, data, isBinary);
    });
    ws.on('close', () => {
      client.markClosed();
      this.clients.delete(client);
      notifyMetrics.clients.set(this.clients.size);
    });
    ws.on('error', (err) => this.options.logger.debug({ client: client.id, err: err.message }, 'client socket error'));
    client.sendJson({ type: 'hello', client: client.id, principal, heartbeatMs: this.options.heartbeatMs, serverTime: Date.now() });
    return client;
  }

  /** Fan-out of the records one stage batch processed, in order. Never blocks on a client. */
  publish(records: ProcessedRecord[]): void {
    const now = Date.now();
    // Several alerts at once (a burst, or a backlog after a stall): each client's frames for the whole
    // batch go out in one write instead of one per alert, which is what lets the fan-out catch up.
    const corked = records.filter((r) => r.notification).length > 1 ? [...this.clients].filter((c) => !c.closed && c.mode === 'live') : [];
    for (const c of corked) c.cork();
    try {
      this.fanOut(records, now);
    } finally {
      for (const c of corked) c.uncork();
    }
  }

  private fanOut(records: ProcessedRecord[], now: number): void {
    for (const r of records) {
      this.positions.set(r.partition, Math.max(r.offset + 1, this.positions.get(r.partition) ?? 0));
      const n = r.notification;
      if (!n) continue;
      notifyMetrics.deliveryLatency.observe(Math.max(0, now - n.timestamp) / 1000);
      const alertJson = JSON.stringify(n.alert);
      let shared: Buffer | null = null;
      let sent = 0;
      for (const c of this.clients) {
        if (c.closed || !c.wantsAlerts) continue;
        if (c.mode === 'catching-up') {
          if (c.pending.length >= this.maxPending) {
            // Too much arrived during the catch-up: drop it here, the catch-up reads it from Kafka instead.
            c.pending = [];
            c.pendingOverflow = true;
          } else c.pending.push(n);
          continue;
        }
        if (c.mode !== 'live') continue;
        if (c.floor) {
          if (n.offset < (c.floor.get(n.partition) ?? 0)) continue;
          if ([...c.floor].every(([p, o]) => o <= (this.positions.get(p) ?? 0))) c.floor = null;
        }
        if (!matchesFilter(c.filter, n.alert)) continue;
        if (c.floor) c.send(sharedMessage(n, alertJson, encodeCursor(maxOffsets(c.floor, this.positions)), false));
        else c.send((shared ??= sharedMessage(n, alertJson, encodeCursor(this.positions), false)));
        sent++;
      }
      notifyMetrics.messagesSent.inc({ kind: 'live' }, sent);
    }
  }

  broadcast(message: unknown, to: (c: ClientConnection) => boolean = () => true): void {
    const data = Buffer.from(JSON.stringify(message));
    for (const c of this.clients) if (!c.closed && to(c)) c.send(data);
  }

  /** Console figures, sent to every client that subscribed with stats: true. */
  publishStats(stats: unknown): void {
    this.lastStats = Buffer.from(JSON.stringify({ type: 'stats', ...(stats as object) }));
    for (const c of this.clients) if (!c.closed && c.wantsStats) c.send(this.lastStats);
  }

  /** Clients watching the console's pipeline view. */
  get pipelineWatchers(): number {
    let n = 0;
    for (const c of this.clients) if (!c.closed && c.wantsPipeline) n++;
    return n;
  }

  /** The pipeline view, sent to every client that subscribed with pipeline: true. */
  publishPipeline(snapshot: unknown): void {
    const data = Buffer.from(JSON.stringify({ type: 'pipeline', ...(snapshot as object) }));
    for (const c of this.clients) if (!c.closed && c.wantsPipeline) c.send(data);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.close(1001, 'server shutting down');
    await Promise.allSettled([...this.catchups]);
  }

  private beat(): void {
    for (const c of this.clients) {
      if (c.closed) continue; // being closed; its close grace timer ends it
      if (!c.alive) {
        // No pong since the last ping: the peer is gone without a FIN (or frozen).
        notifyMetrics.evictions.inc({ reason: 'heartbeat' });
        this.options.logger.info({ client: c.id, principal: c.principal }, 'client missed a heartbeat; terminating');
        c.markClosed();
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        // Socket already closing.
      }
    }
  }

  private onMessage(c: ClientConnection, data: RawData, isBinary: boolean): void {
    let msg: Record<string, unknown>;
    try {
      if (isBinary) throw new Error('binary');
      const parsed: unknown = JSON.parse(data.toString());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      c.sendJson({ type: 'error', error: 'message is not a JSON object; expected {"type":"subscribe"|"ack"|"ping", …}' });
      return;
    }
    switch (msg.type) {
      case 'subscribe':
        this.subscribe(c, msg).catch((e: Error) => {
          this.options.logger.error({ client: c.id, err: e.message }, 'subscribe failed');
          c.sendJson({ type: 'error', request: 'subscribe', error: `subscribe failed: ${e.message}` });
        });
        return;
      case 'ack': {
        const result = typeof msg.id === 'string' ? this.options.onAck(msg.id, c.principal) : { ok: false as const, error: `ack.id: expected an alert id like "2-1045", got ${JSON.stringify(msg.id)}` };
        if (!result.ok) c.sendJson({ type: 'error', request: 'ack', error: result.error });
        else this.broadcast({ type: 'acked', id: result.id, dedupKey: result.dedupKey, by: c.principal, at: Date.now() }, (o) => o.wantsAlerts);
        return;
      }
      case 'ping':
        c.sendJson({ type: 'pong', serverTime: Date.now() });
        return;
      default:
        c.sendJson({ type: 'error', error: `type: expected "subscribe", "ack" or "ping", got ${JSON.stringify(msg.type)}` });
    }
  }

  private async subscribe(c: ClientConnection, msg: Record<string, unknown>): Promise<void> {
    let cursor: Offsets | null = null;
    let filter;
    try {
      filter = parseFilter(msg.filter, 'filter');
      if (msg.cursor !== undefined && msg.cursor !== null && msg.cursor !== '') cursor = parseCursor(msg.cursor);
    } catch (e) {
      if (!(e instanceof FilterError || e instanceof CursorError)) throw e;
      c.sendJson({ type: 'error', request: 'subscribe', error: e.message });
      return;
    }
    const generation = ++c.generation;
    c.filter = filter;
    c.wantsAlerts = msg.alerts !== false;
    c.wantsStats = msg.stats === true;
    c.wantsPipeline = msg.pipeline === true;
    if (c.wantsPipeline) this.options.onPipelineWanted?.();
    c.mode = 'idle';
    c.pending = [];
    if (c.wantsStats && this.lastStats) c.send(this.lastStats);
    if (!c.wantsAlerts) {
      c.sendJson({ type: 'subscribed', alerts: false, stats: c.wantsStats, pipeline: c.wantsPipeline });
      return;
    }
    await this.ready;
    if (c.closed || generation !== c.generation) return;
    if (!cursor) {
      c.pos = new Map(this.positions);
      c.floor = null;
      c.mode = 'live';
      c.sendJson({ type: 'subscribed', filter, stats: c.wantsStats, cursor: encodeCursor(this.positions), catchingUp: false });
      return;
    }
    c.sendJson({ type: 'subscribed', filter, stats: c.wantsStats, cursor: encodeCursor(cursor), catchingUp: true });
    const run = this.catchUp(c, cursor, generation).catch((e: Error) => {
      notifyMetrics.catchups.inc({ outcome: 'failed' });
      this.options.logger.error({ client: c.id, err: e.message }, 'catch-up failed');
      if (!c.closed && generation === c.generation) c.close(1011, `catch-up failed: ${e.message}`);
    });
    this.catchups.add(run);
    void run.finally(() => this.catchups.delete(run));
  }

  private async catchUp(c: ClientConnection, from: Offsets, generation: number): Promise<void> {
    const current = () => !c.closed && generation === c.generation;
    c.mode = 'catching-up';
    c.pending = [];
    c.pendingOverflow = false;
    c.pos = new Map(from);
    // Records from before this process's decision log get a stand-in dedup over the re-read sequence.
    const standIn = new DedupWindow({ windowMs: this.options.dedupWindowMs });
    let replayed = 0;
    for (;;) {
      const target = new Map(this.positions);
      const ranges = [...target]
        .map(([partition, to]) => ({ partition, from: c.pos.get(partition) ?? 0, to }))
        .filter((r) => r.from < r.to);
      if (ranges.length > 0) {
        await this.options.source.read(
          ranges,
          async (records) => {
            if (!current()) return;
            replayed += await this.replay(c, records, standIn, current);
          },
          {
            stopped: () => !current(),
            onGap: (gap) => current() && c.sendJson({ type: 'gap', ...gap, reason: 'alerts before the available offset have left the topic (retention)' }),
          },
        );
      }
      if (!current()) return;
      // Read through each range, including unsurfaced records at its end.
      for (const r of ranges) if ((c.pos.get(r.partition) ?? 0) < r.to) c.pos.set(r.partition, r.to);
      if (!c.pendingOverflow) break;
      c.pending = [];
      c.pendingOverflow = false;
    }
    // Live alerts that came in meanwhile, in arrival order; positions already given are skipped.
    const pending = c.pending;
    c.pending = [];
    for (const n of pending) {
      if (n.offset < (c.pos.get(n.partition) ?? 0)) continue;
      c.pos.set(n.partition, n.offset + 1);
      if (!matchesFilter(c.filter, n.alert)) continue;
      c.send(sharedMessage(n, JSON.stringify(n.alert), encodeCursor(c.pos), false));
    }
    // From here the client is live; it stays ahead of the live stream where its cursor was ahead.
    const ahead = [...c.pos].some(([p, o]) => o > (this.positions.get(p) ?? 0));
    c.floor = ahead ? new Map(c.pos) : null;
    c.mode = 'live';
    const cursor = encodeCursor(ahead ? maxOffsets(c.pos, this.positions) : this.positions);
    c.sendJson({ type: 'caughtUp', replayed, cursor });
    notifyMetrics.catchups.inc({ outcome: 'completed' });
    this.options.logger.info({ client: c.id, principal: c.principal, replayed }, 'client caught up');
  }

  private async replay(c: ClientConnection, records: StoredRecord[], standIn: DedupWindow, current: () => boolean): Promise<number> {
    notifyMetrics.catchupRecords.inc(records.length);
    const alerts = await this.options.decode(records.map((r) => r.value));
    let replayed = 0;
    for (let i = 0; i < records.length; i++) {
      if (!current()) return replayed;
      const r = records[i];
      if (r.offset < (c.pos.get(r.partition) ?? 0)) continue;
      c.pos.set(r.partition, r.offset + 1);
      const alert = alerts[i];
      if (!alert) continue; // undecodable: the stage dead-lettered it
      const id = positionId(r.partition, r.offset);
      const recorded = this.options.decisions.get(id);
      const status = recorded ? recorded.status : standIn.decide(alert.dedupKey, r.timestamp).status;
      if (status === 'duplicate' || !matchesFilter(c.filter, alert)) continue;
      const n: Notification = { id, partition: r.partition, offset: r.offset, timestamp: r.timestamp, status, alert };
      c.send(sharedMessage(n, JSON.stringify(alert), encodeCursor(c.pos), true));
      replayed++;
      // Pace the read-back on the client instead of queueing the whole backlog for it.
      await c.whenWritable();
    }
    notifyMetrics.messagesSent.inc({ kind: 'catchup' }, replayed);
    return replayed;
  }
}
