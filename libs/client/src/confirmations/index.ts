import WebSocket from 'ws';

/** Path of notify's producer confirmations socket. */
export const CONFIRMATIONS_PATH = '/v1/confirmations';

/** One event persist committed, as notify reported it. */
export interface EventConfirmation {
  id: string;
  /** Pipeline step confirmed: "persisted" (committed to PostgreSQL). */
  stage: string;
  /** When the database transaction committed (epoch ms). */
  committedAt: number;
}

/** waitForConfirmation gave up: `missing` are the ids not confirmed in time (the others were). */
export class ConfirmationTimeout extends Error {
  constructor(
    readonly missing: string[],
    readonly confirmed: EventConfirmation[],
    readonly timeoutMs: number,
  ) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    super(`no confirmation within ${timeoutMs} ms for ${missing.length} of ${missing.length + confirmed.length} events: ${shown}`);
    this.name = 'ConfirmationTimeout';
  }
}

/** Notify refused the API key (401/403) or the request; waiting again will not help. */
export class ConfirmationsRefused extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`notify refused the confirmations socket (HTTP ${status}${detail ? `: ${detail}` : ''}); check notifyUrl and that notify knows this API key (NOTIFY_PRODUCER_KEYS or INGEST_API_KEYS)`);
    this.name = 'ConfirmationsRefused';
  }
}

export interface ConfirmationListenerOptions {
  /** Base URL of notify (http(s):// or ws(s)://); the socket is <url>/v1/confirmations. */
  url: string;
  apiKey: string;
  apiKeyHeader?: 'authorization' | 'x-api-key';
  /** Confirmed ids remembered for waitForConfirmation calls made after the confirmation arrived (default 100,000). */
  remember?: number;
  /**
   * On the first connection, confirmations from this long before it are asked for too (default 60 s),
   * so an event confirmed while the socket was still opening, or with some clock skew, is not missed.
   */
  lookBackMs?: number;
  /** Reconnect backoff bounds (default 250 ms … 10 s, full jitter). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

interface Waiter {
  ids: string[];
  missing: Set<string>;
  found: Map<string, EventConfirmation>;
  resolve: (c: EventConfirmation[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
}

export interface ConfirmationStats {
  connected: boolean;
  /** Ids confirmed since the socket first opened. */
  confirmed: number;
  /** Ids remembered now (bounded by `remember`). */
  remembered: number;
  reconnects: number;
  /** Times notify said it no longer held confirmations from the resume point (some may have been missed). */
  gaps: number;
}

/** Confirmed ids, oldest forgotten first beyond a bound (a Map keeps insertion order). */
export class RecentConfirmations {
  private readonly byId = new Map<string, EventConfirmation>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`remember: expected an integer of at least 1, got ${max}`);
  }

  get size(): number {
    return this.byId.size;
  }

  add(c: EventConfirmation): void {
    if (this.byId.has(c.id)) return;
    this.byId.set(c.id, c);
    if (this.byId.size > this.max) this.byId.delete(this.byId.keys().next().value!);
  }

  get(id: string): EventConfirmation | undefined {
    return this.byId.get(id);
  }
}

/** The WebSocket URL of notify's confirmations socket from the base URL the caller configured. */
export function confirmationsUrl(base: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new Error(`notifyUrl: expected the absolute URL of notify (for example http://127.0.0.1:8083), got ${JSON.stringify(base)}`);
  }
  const proto = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[u.protocol];
  if (!proto) throw new Error(`notifyUrl: expected an http(s) or ws(s) URL, got ${JSON.stringify(base)}`);
  u.protocol = proto;
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = path.endsWith(CONFIRMATIONS_PATH) ? path : path + CONFIRMATIONS_PATH;
  u.search = '';
  return u.href;
}

/**
 * Listens on notify's confirmations socket for this producer's events: opened lazily (the client opens
 * it on the first send), resumed from the last cursor after a disconnect (notify replays what was
 * missed from memory), and remembers recent confirmed ids so a wait that starts after its confirmation
 * arrived resolves at once.
 */
export class ConfirmationListener {
  private readonly recent: RecentConfirmations;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly endpoint: string;
  private ws: WebSocket | null = null;
  private cursor: string | null = null;
  private since: number | null = null;
  private opened = false;
  private closed = false;
  private refused: ConfirmationsRefused | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private ready: Promise<void> | null = null;
  private markReady: (() => void) | null = null;
  private markRefused: ((e: Error) => void) | null = null;
  private readonly counters = { confirmed: 0, reconnects: 0, gaps: 0 };

  constructor(private readonly options: ConfirmationListenerOptions) {
    this.endpoint = confirmationsUrl(options.url);
    if (typeof options.apiKey !== 'string' || !options.apiKey) throw new Error('apiKey: expected the producer API key (the one ingest accepts)');
    this.recent = new RecentConfirmations(options.remember ?? 100_000);
  }

  /** Opens the socket if it is not open yet; resolves once notify has subscribed it (replay included). */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the confirmation listener is closed'));
    if (this.refused) return Promise.reject(this.refused);
    if (!this.opened) {
      this.opened = true;
      this.since = Date.now() - (this.options.lookBackMs ?? 60_000);
      this.ready = new Promise<void>((resolve, reject) => {
        this.markReady = resolve;
        this.markRefused = reject;
      });
      this.ready.catch(() => undefined); // also reported to every waiter
      this.connect();
    }
    return this.ready!;
  }

  /** Resolves with every id's confirmation, in the order asked; rejects with ConfirmationTimeout naming the missing ones. */
  wait(ids: string[], timeoutMs: number): Promise<EventConfirmation[]> {
    if (!(timeoutMs > 0)) return Promise.reject(new Error(`timeoutMs: expected a positive number of milliseconds, got ${timeoutMs}`));
    if (this.refused) return Promise.reject(this.refused);
    if (this.closed) return Promise.reject(new Error('waitForConfirmation after close()'));
    void this.open().catch(() => undefined);
    const found = new Map<string, EventConfirmation>();
    for (const id of ids) {
      const c = this.recent.get(id);
      if (c) found.set(id, c);
    }
    const missing = new Set(ids.filter((id) => !found.has(id)));
    if (missing.size === 0) return Promise.resolve(ids.map((id) => found.get(id)!));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        ids,
        missing,
        found,
        resolve,
        reject,
        timeoutMs,
        timer: setTimeout(() => {
          this.forget(w);
          reject(new ConfirmationTimeout([...w.missing], [...w.found.values()], timeoutMs));
        }, timeoutMs),
      };
      for (const id of missing) {
        let set = this.waiters.get(id);
        if (!set) this.waiters.set(id, (set = new Set()));
        set.add(w);
      }
    });
  }

  stats(): ConfirmationStats {
    return { connected: this.ws?.readyState === WebSocket.OPEN, remembered: this.recent.size, ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const set of this.waiters.values()) for (const w of set) this.fail(w, new Error('the client was closed while waiting for confirmations'));
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'client closed');
        setTimeout(() => (ws.terminate(), resolve()), 2000).unref();
      });
    }
  }

  private connect(): void {
    const query = this.cursor ? `?cursor=${encodeURIComponent(this.cursor)}` : this.since !== null ? `?since=${this.since}` : '';
    const headers = this.options.apiKeyHeader === 'x-api-key' ? { 'X-API-Key': this.options.apiKey } : { Authorization: `Bearer ${this.options.apiKey}` };
    const ws = new WebSocket(this.endpoint + query, { headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let detail = body;
        try {
          detail = (JSON.parse(body) as { error?: string }).error ?? body;
        } catch {
          // not JSON
        }
        if (status === 401 || status === 403 || status === 400 || status === 404) this.refuse(new ConfirmationsRefused(status, detail));
        else this.scheduleReconnect();
      });
      ws.terminate();
    });
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('error', () => undefined); // 'close' follows; reconnecting is handled there
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null;
      this.scheduleReconnect();
    });
  }

  private onMessage(text: string): void {
    let m: { type?: string; eventIds?: unknown; stage?: string; committedAt?: number; cursor?: string };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    if (m.type === 'confirmation' && Array.isArray(m.eventIds)) {
      for (const id of m.eventIds) if (typeof id === 'string') this.confirm({ id, stage: m.stage ?? 'persisted', committedAt: Number(m.committedAt) });
      if (typeof m.cursor === 'string') this.cursor = m.cursor;
    } else if (m.type === 'subscribed') {
      // Replay done; from here on the cursor of the live stream is where a reconnect resumes.
      this.attempt = 0;
      if (typeof m.cursor === 'string') this.cursor = m.cursor;
      this.markReady?.();
    } else if (m.type === 'gap') {
      this.counters.gaps++;
    }
  }

  private confirm(c: EventConfirmation): void {
    if (this.recent.get(c.id)) return;
    this.recent.add(c);
    this.counters.confirmed++;
    const set = this.waiters.get(c.id);
    if (!set) return;
    this.waiters.delete(c.id);
    for (const w of set) {
      w.missing.delete(c.id);
      w.found.set(c.id, c);
      if (w.missing.size === 0) {
        clearTimeout(w.timer);
        this.forget(w);
        w.resolve(w.ids.map((id) => w.found.get(id)!));
      }
    }
  }

  private forget(w: Waiter): void {
    for (const id of w.missing) {
      const set = this.waiters.get(id);
      set?.delete(w);
      if (set && set.size === 0) this.waiters.delete(id);
    }
  }

  private fail(w: Waiter, e: Error): void {
    clearTimeout(w.timer);
    this.forget(w);
    w.reject(e);
  }

  private refuse(e: ConfirmationsRefused): void {
    this.refused = e;
    for (const set of [...this.waiters.values()]) for (const w of set) this.fail(w, e);
    this.markRefused?.(e);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.refused || this.reconnectTimer) return;
    const min = this.options.reconnectMinMs ?? 250;
    const max = this.options.reconnectMaxMs ?? 10_000;
    const delay = Math.random() * Math.min(max, min * 2 ** this.attempt++);
    this.counters.reconnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && !this.refused) this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
