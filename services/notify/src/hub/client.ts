import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { AlertFilter } from '../filter';
import type { Offsets } from '../position';
import type { Notification } from './types';

export interface ClientLimits {
  /** Bytes the socket may hold unsent before messages wait in the client's own queue. */
  highWaterBytes: number;
  /** Messages the client's own queue may hold; beyond that the client is too slow and is disconnected. */
  maxQueue: number;
  /** Bytes the client's own queue may hold; beyond that the client is disconnected. */
  maxQueuedBytes: number;
  /** How long a disconnected client has to complete the close handshake before its socket is destroyed. */
  closeGraceMs: number;
}

/** Close code for a client that cannot keep up (4000–4999 is the application range). */
export const SLOW_CONSUMER_CLOSE = 4008;

const TEXT = { binary: false };

export type ClientMode = 'idle' | 'catching-up' | 'live';

/**
 * One analyst connection: its subscription, its position in the alert topic, and a bounded send
 * queue. Sending never blocks the hub: a message goes to the socket while the socket's own buffer is
 * below the high-water mark, waits in a bounded queue otherwise, and a client whose queue overflows is
 * disconnected with a reason instead of slowing the others or growing memory.
 */
export class ClientConnection {
  alive = true;
  closed = false;
  mode: ClientMode = 'idle';
  filter: AlertFilter = {};
  wantsAlerts = false;
  wantsStats = false;
  /** The console's pipeline view: step-by-step events and per-stage queues, sent with the figures. */
  wantsPipeline = false;
  /** Bumped by every subscribe, so a superseded catch-up stops. */
  generation = 0;
  /** Next offset per partition this client has been given or had filtered out. */
  pos: Offsets = new Map();
  /** While live: positions below which records were already given (set when the client is ahead of this process). */
  floor: Offsets | null = null;
  /** Live notifications that arrived during catch-up, delivered once catch-up reaches them. */
  pending: Notification[] = [];
  pendingOverflow = false;
  sent = 0;
  /** Messages still queued when the connection was closed (never delivered). */
  dropped = 0;

  private queue: Buffer[] = [];
  private corked = false;
  private corkedBytes = 0;
  private queuedBytes = 0;
  private writableWaiters: Array<() => void> = [];
  private readonly onSent = (err?: Error) => {
    if (!err) this.flush();
  };

  constructor(
    readonly id: string,
    readonly principal: string,
    readonly ws: WebSocket,
    private readonly limits: ClientLimits,
    private readonly onEvicted: (client: ClientConnection, reason: string) => void,
    /** The upgraded socket under `ws` (ws offers no cork of its own). */
    private readonly socket: Duplex | null = null,
  ) {}

  /**
   * Hold writes until uncork(), so the messages of one batch leave in one system call. At most the
   * high-water mark is held this way: beyond it the socket is uncorked and sending goes on as usual,
   * so corking never raises what a client may hold in memory.
   */
  cork(): void {
    if (!this.socket || this.corked || this.closed) return;
    this.socket.cork();
    this.corked = true;
    this.corkedBytes = 0;
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket!.uncork();
  }

  get queued(): number {
    return this.queue.length;
  }

  send(data: Buffer): void {
    if (this.closed) return;
    if (this.corked && this.corkedBytes + data.length > this.limits.highWaterBytes) this.uncork();
    const held = this.ws.bufferedAmount;
    // Bytes held by our own cork are on their way out with this batch, not a sign of a slow reader.
    const buffered = held - (this.corked ? this.corkedBytes : 0);
    if (this.queue.length === 0 && buffered < this.limits.highWaterBytes) {
      this.sent++;
      if (this.corked) this.corkedBytes += data.length;
      // A completion callback is only needed when this write may leave the socket above the
      // high-water mark (it then flushes the queue); skipping it keeps the common path cheap.
      if (held + data.length >= this.limits.highWaterBytes) this.ws.send(data, TEXT, this.onSent);
      else this.ws.send(data, TEXT);
      return;
    }
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.queue.length > this.limits.maxQueue) this.evict(`slow consumer: send queue exceeded ${this.limits.maxQueue} messages`);
    else if (this.queuedBytes > this.limits.maxQueuedBytes) this.evict(`slow consumer: send queue exceeded ${this.limits.maxQueuedBytes} bytes`);
  }

  sendJson(message: unknown): void {
    this.send(Buffer.from(JSON.stringify(message)));
  }

  /** Resolves when the client can take more without queueing (catch-up paces itself on this). */
  whenWritable(): Promise<void> {
    if (this.closed || (this.queue.length === 0 && this.ws.bufferedAmount < this.limits.highWaterBytes)) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.closed && this.ws.bufferedAmount < this.limits.highWaterBytes) {
      const data = this.queue.shift()!;
      this.queuedBytes -= data.length;
      this.sent++;
      this.ws.send(data, TEXT, this.onSent);
    }
    if (this.queue.length === 0 && this.writableWaiters.length > 0 && this.ws.bufferedAmount < this.limits.highWaterBytes) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w();
  }

  private evict(reason: string): void {
    this.close(SLOW_CONSUMER_CLOSE, reason);
    this.onEvicted(this, reason);
  }

  /** Close with a code and reason; the socket is destroyed if the peer does not complete the close in time. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.markClosed();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
      return;
    }
    // A peer that stopped reading never answers the close frame.
    setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs).unref();
  }

  markClosed(): void {
    if (!this.closed) this.dropped = this.queue.length;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.pending = [];
    this.releaseWaiters();
  }
}
