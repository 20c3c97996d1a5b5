import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '@sluice/runtime';
import { ClientConnection, type ClientLimits } from '../hub/client';
import { notifyMetrics } from '../metrics';
import { CursorError, encodeCursor, parseCursor } from '../position';
import { ConfirmationLog, type ConfirmationEntry, type ConfirmationLogLimits, type ResumeFrom } from './log';

export * from './log';

/** The WebSocket path producers subscribe to their confirmations on. */
export const CONFIRMATIONS_PATH = '/v1/confirmations';

export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

/** Reads `cursor` or `since` from the query of the upgrade request (at most one of them). */
export function parseResume(query: URLSearchParams): ResumeFrom {
  const cursor = query.get('cursor');
  const since = query.get('since');
  if (cursor && since) throw new ResumeError('give either cursor or since, not both');
  if (cursor) {
    try {
      return { cursor: parseCursor(cursor) };
    } catch (e) {
      if (e instanceof CursorError) throw new ResumeError(e.message);
      throw e;
    }
  }
  if (since !== null && since !== '') {
    const n = Number(since);
    if (!/^\d{1,16}$/.test(since) || !Number.isSafeInteger(n)) throw new ResumeError(`since ${JSON.stringify(since.slice(0, 40))}: expected epoch milliseconds, for example ${Date.now() - 60_000}`);
    return { since: n };
  }
  return null;
}

export interface ConfirmationHubOptions extends ConfirmationLogLimits {
  limits: ClientLimits;
  heartbeatMs: number;
  logger: Logger;
}

/** What a producer's socket is sent for one confirmation record. */
export function confirmationMessage(e: ConfirmationEntry, cursor: string, replay: boolean): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'confirmation',
      stage: e.stage,
      producer: e.producer,
      eventIds: e.eventIds,
      committedAt: e.committedAt,
      partition: e.partition,
      offset: e.offset,
      timestamp: e.timestamp,
      cursor,
      replay,
    }),
  );
}

/**
 * Producers' confirmation sockets. Every Confirmation record read from the topic goes through
 * publish(): it is kept in the bounded log and sent to the sockets of its own producer only (the
 * record's `producer` must equal the name the API key authenticated). A producer that connects with a
 * cursor or a time is first given what it missed from the log; because the replay and the switch to
 * live happen in one synchronous step, there is neither a gap nor a duplicate between them.
 */
export class ConfirmationHub {
  readonly log: ConfirmationLog;
  readonly clients = new Set<ClientConnection>();
  evictions = 0;
  private readonly byProducer = new Map<string, Set<ClientConnection>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout;
  private markReady!: () => void;
  /** Resolves when the log holds the retention window read back at start. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(private readonly options: ConfirmationHubOptions) {
    this.log = new ConfirmationLog(options);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.expiry = setInterval(() => this.log.expire(Date.now()), Math.min(10_000, Math.max(100, options.retainMs / 10)));
    this.heartbeat.unref();
    this.expiry.unref();
  }

  setReady(): void {
    this.markReady();
  }

  get cursor(): string {
    return encodeCursor(this.log.positions);
  }

  /** Records read from the confirmations topic, in order per partition. Never blocks on a client. */
  publish(entries: ConfirmationEntry[]): void {
    for (const e of entries) {
      this.log.append(e);
      notifyMetrics.confirmationRecords.inc({ outcome: e.producer === null ? 'no_producer' : 'read' });
      const subs = e.producer === null ? undefined : this.byProducer.get(e.producer);
      if (!subs || subs.size === 0) continue;
      const message = confirmationMessage(e, this.cursor, false);
      for (const c of subs) {
        if (c.closed || c.mode !== 'live') continue;
        c.send(message);
        notifyMetrics.confirmationsDelivered.inc({ kind: 'live' }, e.eventIds.length);
      }
    }
  }

  /** An authenticated producer's socket: replay from `from` (if any), then live. */
  async accept(ws: WebSocket, producer: string, from: ResumeFrom, socket: Duplex | null = null): Promise<ClientConnection> {
    const client = new ClientConnection(
      randomUUID(),
      producer,
      ws,
      this.options.limits,
      (c, reason) => {
        this.evictions++;
        notifyMetrics.confirmationEvictions.inc({ reason: 'slow_consumer' });
        this.options.logger.warn({ client: c.id, producer: c.principal, reason }, 'confirmation client disconnected');
      },
      socket,
    );
    this.clients.add(client);
    notifyMetrics.confirmationClients.set(this.clients.size);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => {
      client.alive = true;
      let type: unknown;
      try {
        type = isBinary ? undefined : (JSON.parse(data.toString()) as { type?: unknown })?.type;
      } catch {
        type = undefined;
      }
      if (type === 'ping') client.sendJson({ type: 'pong', serverTime: Date.now() });
      else client.sendJson({ type: 'error', error: 'this socket only sends; the one message it takes is {"type":"ping"}' });
    });
    ws.on('close', () => this.remove(client));
    ws.on('error', (err) => this.options.logger.debug({ client: client.id, err: err.message }, 'confirmation socket error'));

    await this.ready;
    if (client.closed) return client;
    client.mode = 'catching-up';
    // Each replayed message carries a cursor that resumes right after it, so a client cut off
    // mid-replay resumes where it was rather than at the live position.
    const cursor = new Map(this.log.positions);
    const lower = (p: number, o: number) => cursor.has(p) && cursor.set(p, Math.min(o, cursor.get(p)!));
    if (from && 'cursor' in from) for (const [p, o] of from.cursor) lower(p, o);
    let resume = from;
    let replayed = 0;
    for (;;) {
      const { entries, gaps } = this.log.replay(producer, resume);
      for (const g of gaps) client.sendJson({ type: 'gap', ...g, reason: 'confirmations before this point are no longer held by notify (NOTIFY_CONFIRMATIONS_RETAIN_MS / NOTIFY_CONFIRMATIONS_MAX_IDS)' });
      // Nothing (more) to replay: the switch to live happens in this same synchronous step, so
      // nothing read meanwhile falls between the replay and the live stream.
      if (entries.length === 0) break;
      if (resume === from) for (const e of entries) lower(e.partition, e.offset);
      for (const e of entries) {
        if (client.closed) return client;
        cursor.set(e.partition, Math.max(cursor.get(e.partition) ?? 0, e.offset + 1));
        client.send(confirmationMessage(e, encodeCursor(cursor), true));
        replayed += e.eventIds.length;
        notifyMetrics.confirmationsDelivered.inc({ kind: 'replay' }, e.eventIds.length);
        // Paced on the client, so a long replay never overflows its send queue.
        await client.whenWritable();
      }
      resume = { cursor: new Map(cursor) };
    }
    if (client.closed) return client;
    let set = this.byProducer.get(producer);
    if (!set) this.byProducer.set(producer, (set = new Set()));
    set.add(client);
    client.mode = 'live';
    client.sendJson({ type: 'subscribed', producer, stage: 'persisted', cursor: this.cursor, replayed, heartbeatMs: this.options.heartbeatMs, serverTime: Date.now() });
    return client;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.expiry);
    for (const c of this.clients) c.close(1001, 'server shutting down');
  }

  private remove(client: ClientConnection): void {
    client.markClosed();
    if (!this.clients.delete(client)) return;
    if (client.dropped > 0) notifyMetrics.confirmationsDropped.inc(client.dropped);
    const set = this.byProducer.get(client.principal);
    set?.delete(client);
    if (set && set.size === 0) this.byProducer.delete(client.principal);
    notifyMetrics.confirmationClients.set(this.clients.size);
  }

  private beat(): void {
    for (const c of this.clients) {
      if (c.closed) continue;
      if (!c.alive) {
        notifyMetrics.confirmationEvictions.inc({ reason: 'heartbeat' });
        this.remove(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        // closing
      }
    }
  }
}
