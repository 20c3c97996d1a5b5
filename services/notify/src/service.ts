import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import type { Admin } from 'kafkajs';
import { WebSocketServer } from 'ws';
import { GROUPS, STAGE_INPUTS, naming, type Alert, type Confirmation, type GroupStage, type Naming } from '@sluice/contracts';
import {
  AvroSerde,
  RegistryClient,
  deadLetter,
  kafkaAdminClient,
  registry as metricsRegistry,
  type DeadLetterSource,
  type InRecord,
  type Logger,
  type RunningStage,
  type StageDefinition,
  type TopicPartition,
} from '@sluice/runtime';
import { TokenAuth } from './auth';
import type { AnalystToken } from './config';
import { KafkaCatchupSource } from './catchup';
import { CONFIRMATIONS_PATH, ConfirmationHub, ResumeError, parseResume, type ConfirmationEntry, type ResumeFrom } from './confirmations';
import { PipelineView, type PipelineSnapshot } from './pipeline';
import { ProducerKeyring, type ProducerKey } from './producers';
import type { StoredRecord } from './hub/types';
import { TopicTail } from './tail';
import { StatsCollector, type ConsoleStats, type MetricsTarget } from './console/stats';
import { DecisionLog, DedupWindow } from './dedup';
import { Hub, type AckResult, type ClientLimits, type Notification, type ProcessedRecord } from './hub';
import { notifyMetrics } from './metrics';
import { parsePositionId, positionId, type Offsets } from './position';
import { ProgressCommitter, WebhookDispatcher, WebhookProgress, type WebhookPolicy, type WebhookStatus, type WebhookSubscription } from './webhooks';

export interface NotifyOptions {
  brokers: string[];
  registryUrl: string;
  prefix?: string;
  tokens: AnalystToken[];
  dedupWindowMs: number;
  dedupMemoryMs?: number;
  dedupMaxKeys?: number;
  decisionLogMax?: number;
  /** Where a group without committed offsets starts reading. */
  startFrom?: 'latest' | 'earliest';
  heartbeatMs?: number;
  maxClients?: number;
  clientLimits?: Partial<ClientLimits>;
  catchupConcurrency?: number;
  catchupIdleTimeoutMs?: number;
  webhooks?: WebhookSubscription[];
  webhookPolicy?: Partial<WebhookPolicy>;
  webhookCommitIntervalMs?: number;
  /** Longest a stop waits for webhook deliveries in progress. */
  webhookDrainMs?: number;
  metricsTargets?: MetricsTarget[];
  statsIntervalMs?: number;
  /** Producer API keys (ingest's `name:sha256hex`) for the confirmations socket; none refuses every producer. */
  producerKeys?: ProducerKey[];
  /** How long confirmations are held for producers resuming with a cursor or a time. */
  confirmationsRetainMs?: number;
  /** Most event ids held for resuming producers. */
  confirmationsMaxIds?: number;
  /** Pipeline view: events followed at once, new events taken in per second, tails kept after the last watcher left. */
  pipelineMaxEvents?: number;
  pipelineAdmitPerSecond?: number;
  pipelineIdleMs?: number;
}

export const defaultConfirmationsRetainMs = 10 * 60_000;
export const defaultConfirmationsMaxIds = 500_000;

export const defaultClientLimits: ClientLimits = { highWaterBytes: 256 * 1024, maxQueue: 1000, maxQueuedBytes: 8 * 1024 * 1024, closeGraceMs: 5000 };
export const defaultWebhookPolicy: WebhookPolicy = { maxAttempts: 6, backoffMs: 500, backoffMaxMs: 30_000, timeoutMs: 5000, queueMax: 1000, concurrency: 4 };

/** Static files of the live console (outside src/, so the same path works from src/ and dist/). */
export const CONSOLE_DIR = path.resolve(__dirname, '../public');

/** Consumer group holding how far webhook delivery has settled (declared beside the stage's own group). */
export const webhookGroupOf = (names: Naming) => `${names.group('notify')}.webhooks`;

/** Same notification → same key, across retries, redeliveries and restarts; a re-surfacing gets a new one. */
export const idempotencyKeyOf = (dedupKey: string, episode: number) => `${encodeURIComponent(dedupKey)}.${episode}`;

type WebhookSource = DeadLetterSource & { partition: number; offset: number };

/**
 * The notification service: the `notify` stage's handler (dedup, live fan-out, webhook hand-off), the
 * WebSocket hub with catch-up from Kafka, webhook delivery, and the live console's data and pages.
 *
 * Lifecycle: definition() goes to the stage runtime; attach() receives the running stage (its producer
 * writes webhook dead letters); mount() adds the HTTP routes; handleUpgrade() takes WebSocket
 * upgrades from whichever http.Server serves the app; stop() leaves the group, closes clients and
 * settles webhooks.
 */
export class NotifyService {
  readonly names: Naming;
  readonly hub: Hub;
  readonly dedup: DedupWindow;
  readonly decisions: DecisionLog;
  readonly webhooks: WebhookDispatcher<WebhookSource> | null;
  readonly webhookGroup: string;
  private readonly auth: TokenAuth;
  readonly producers: ProducerKeyring;
  readonly confirmations: ConfirmationHub;
  readonly pipeline: PipelineView;
  private confirmationTail: TopicTail | null = null;
  private confirmationsStarting: Promise<void> | null = null;
  private readonly wss: WebSocketServer;
  private readonly serde: AvroSerde;
  private readonly topic: string;
  private readonly progress: WebhookProgress | null;
  private readonly committer: ProgressCommitter | null;
  private admin: Admin | null = null;
  private stats: StatsCollector | null = null;
  private lastStats: ConsoleStats | null = null;
  private running: RunningStage | null = null;
  private onAttached!: (r: RunningStage) => void;
  private readonly attached = new Promise<RunningStage>((resolve) => (this.onAttached = resolve));
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private sampling: Promise<void> | null = null;
  /** Per partition: records below were delivered live by an earlier run (re-read only to rebuild dedup state). */
  private readonly liveFrom = new Map<number, number>();
  /** Per partition: records below were settled for webhooks by an earlier run. */
  private readonly webhookFrom = new Map<number, number>();
  /** Per partition: next offset this process expects (earlier ones are redeliveries). */
  private readonly processed = new Map<number, number>();

  constructor(
    readonly options: NotifyOptions,
    private readonly logger: Logger,
  ) {
    this.names = naming(options.prefix ?? '');
    this.topic = this.names.topic('alerts');
    this.webhookGroup = webhookGroupOf(this.names);
    this.auth = new TokenAuth(options.tokens);
    this.serde = new AvroSerde(new RegistryClient(options.registryUrl), options.prefix ?? '');
    this.dedup = new DedupWindow({ windowMs: options.dedupWindowMs, memoryMs: options.dedupMemoryMs, maxKeys: options.dedupMaxKeys });
    this.decisions = new DecisionLog(options.decisionLogMax ?? 200_000);
    const limits = { ...defaultClientLimits, ...options.clientLimits };
    this.hub = new Hub({
      limits,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      source: new KafkaCatchupSource({
        brokers: options.brokers,
        topic: this.topic,
        groupId: `${this.names.group('notify')}.catchup`,
        logger,
        concurrency: options.catchupConcurrency ?? 4,
        idleTimeoutMs: options.catchupIdleTimeoutMs ?? 15_000,
      }),
      decode: (values) => this.decodeAlerts(values),
      decisions: this.decisions,
      dedupWindowMs: options.dedupWindowMs,
      onAck: (id, principal) => this.ack(id, principal),
      onPipelineWanted: () => this.pipeline.watched(),
      logger,
    });
    this.producers = new ProducerKeyring(options.producerKeys ?? []);
    this.confirmations = new ConfirmationHub({
      limits,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      retainMs: options.confirmationsRetainMs ?? defaultConfirmationsRetainMs,
      maxEventIds: options.confirmationsMaxIds ?? defaultConfirmationsMaxIds,
      logger,
    });
    this.pipeline = new PipelineView({
      brokers: options.brokers,
      names: this.names,
      serde: this.serde,
      groupId: `${this.names.group('notify')}.pipeline`,
      logger,
      maxEvents: options.pipelineMaxEvents ?? 200,
      admitPerSecond: options.pipelineAdmitPerSecond ?? 20,
      idleMs: options.pipelineIdleMs ?? 30_000,
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false, clientTracking: false });
    const subs = options.webhooks ?? [];
    if (subs.length > 0) {
      this.progress = new WebhookProgress();
      this.committer = new ProgressCommitter(options.brokers, this.topic, this.webhookGroup, logger);
      this.webhooks = new WebhookDispatcher<WebhookSource>(
        subs,
        { ...defaultWebhookPolicy, ...options.webhookPolicy },
        {
          deadLetter: (job, sub, reason, attempts) => this.deadLetterWebhook(job.source, sub, reason, attempts),
          settled: (job) => this.progress!.settled(job.source.partition, job.source.offset),
        },
        this.topic,
        logger,
      );
    } else {
      this.progress = null;
      this.committer = null;
      this.webhooks = null;
    }
  }

  definition(): StageDefinition<Alert> {
    return {
      stage: 'notify',
      outputs: [],
      start: () => this.start(),
      onAssigned: (tps) => this.onAssigned(tps),
      handle: async (batch) => {
        this.handle(batch);
        return {};
      },
    };
  }

  attach(running: RunningStage): void {
    this.running = running;
    this.onAttached(running);
    this.timers.push(setInterval(() => void this.sampleStats(), this.options.statsIntervalMs ?? 2000));
    if (this.committer) this.timers.push(setInterval(() => this.committer!.commit(this.progress!.committable()), this.options.webhookCommitIntervalMs ?? 2000));
    for (const t of this.timers) t.unref();
    void this.sampleStats();
  }

  private async start(): Promise<void> {
    this.admin = kafkaAdminClient(this.options.brokers, `notify-${process.pid}-admin`, this.logger);
    await this.admin.connect();
    await this.serde.register(['alerts']);
    await this.committer?.connect();
    this.confirmationsStarting = this.startConfirmations();
    this.stats = new StatsCollector({
      admin: this.admin,
      names: this.names,
      groups: [
        ...(Object.keys(GROUPS) as GroupStage[]).map((stage) => ({ stage, group: this.names.group(stage), topics: STAGE_INPUTS[stage].map((k) => this.names.topic(k)) })),
        ...(this.webhooks ? [{ stage: 'notify webhooks', group: this.webhookGroup, topics: [this.topic] }] : []),
      ],
      targets: this.options.metricsTargets ?? [],
      selfMetrics: () => metricsRegistry.metrics(),
      logger: this.logger,
    });
  }

  /**
   * Chooses where each assigned partition is read from. Live delivery resumes at the group's committed
   * offset (or latest/earliest for a new group). Reading starts earlier when webhook delivery had not
   * settled that far, and early enough to rebuild the dedup window, so a restart neither re-notifies
   * analysts nor loses webhook deliveries; records below the live position only feed those two.
   */
  private async onAssigned(tps: TopicPartition[]): Promise<Map<string, number>> {
    const admin = this.admin!;
    const mine = tps.filter((t) => t.topic === this.topic);
    const start = new Map<string, number>();
    if (mine.length === 0) return start;
    const committedOf = async (groupId: string) => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [this.topic] });
      return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    };
    const windowMs = this.options.dedupWindowMs;
    const [stageCommitted, webhookCommitted, marks, byTime] = await Promise.all([
      committedOf(this.names.group('notify')),
      this.webhooks ? committedOf(this.webhookGroup) : Promise.resolve(new Map<number, number>()),
      admin.fetchTopicOffsets(this.topic),
      windowMs > 0 ? admin.fetchTopicOffsetsByTimestamp(this.topic, Date.now() - windowMs) : Promise.resolve([]),
    ]);
    const hubStart: Offsets = new Map();
    for (const { partition } of mine) {
      const mark = marks.find((m) => m.partition === partition);
      const low = Number(mark?.low ?? 0);
      const high = Number(mark?.high ?? 0);
      const committed = stageCommitted.get(partition) ?? -1;
      const live = committed >= 0 ? committed : this.options.startFrom === 'earliest' ? low : high;
      const hookCommitted = webhookCommitted.get(partition) ?? -1;
      const hook = this.webhooks && hookCommitted >= 0 ? hookCommitted : live;
      const timed = Number(byTime.find((b) => b.partition === partition)?.offset ?? -1);
      const warm = timed >= 0 ? timed : live;
      const from = Math.max(low, Math.min(live, hook, warm));
      this.liveFrom.set(partition, live);
      this.webhookFrom.set(partition, hook);
      this.processed.set(partition, from);
      this.progress?.start(partition, hook);
      hubStart.set(partition, live);
      start.set(`${this.topic}:${partition}`, from);
    }
    this.hub.startPositions(hubStart);
    this.logger.info({ partitions: Object.fromEntries(start), live: Object.fromEntries(hubStart) }, 'alert partitions assigned');
    return start;
  }

  /** The stage handler: dedup, live fan-out, webhook hand-off. Never waits on a client or an endpoint. */
  handle(batch: InRecord<Alert>[]): void {
    const live: ProcessedRecord[] = [];
    for (const r of batch) {
      const p = r.partition;
      if (r.offset < (this.processed.get(p) ?? 0)) continue; // redelivered after a rebalance
      this.processed.set(p, r.offset + 1);
      const alert = r.value;
      const id = positionId(p, r.offset);
      // A record read again (a partition re-assigned to this process) keeps the decision it had.
      let decision = this.decisions.get(id);
      if (!decision) {
        const decided = this.dedup.decide(alert.dedupKey, r.timestamp);
        decision = { status: decided.status, dedupKey: alert.dedupKey, episode: decided.episode };
        this.decisions.record(id, decision);
        notifyMetrics.alerts.inc({ status: decision.status });
      }
      const n: Notification | null =
        decision.status === 'duplicate' ? null : { id, partition: p, offset: r.offset, timestamp: r.timestamp, status: decision.status, alert };
      if (r.offset >= (this.liveFrom.get(p) ?? 0)) live.push({ partition: p, offset: r.offset, notification: n });
      if (this.webhooks && r.offset >= (this.webhookFrom.get(p) ?? 0)) {
        // Register the expected settlements before offering: a full queue settles synchronously.
        const targets = n ? this.webhooks.matching(n).length : 0;
        this.progress!.processed(p, r.offset, targets);
        if (n && targets > 0) this.webhooks.offer({ notification: n, idempotencyKey: idempotencyKeyOf(alert.dedupKey, decision.episode), source: r });
      }
    }
    this.hub.publish(live);
  }

  /** An analyst acknowledged an alert: its dedup key's next firing is surfaced again as new. */
  ack(id: string, principal: string): AckResult {
    try {
      parsePositionId(id);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const d = this.decisions.get(id);
    if (!d) return { ok: false, error: `alert ${id} is unknown: not among the ${this.decisions.size} alerts this service remembers` };
    this.dedup.ack(d.dedupKey, Date.now());
    notifyMetrics.acks.inc();
    this.logger.info({ id, dedupKey: d.dedupKey, principal }, 'alert acknowledged');
    return { ok: true, id, dedupKey: d.dedupKey };
  }

  /**
   * Reads the confirmations topic for the producers' sockets: every partition, outside any group (a
   * producer may connect to any notify instance), starting a retention window back so a producer that
   * resumes finds what it missed. Retried until it works; alerts do not wait for it.
   */
  private async startConfirmations(): Promise<void> {
    const retainMs = this.options.confirmationsRetainMs ?? defaultConfirmationsRetainMs;
    for (let attempt = 1; !this.stopping; attempt++) {
      const since = Date.now() - retainMs;
      const tail = new TopicTail({
        brokers: this.options.brokers,
        topic: this.names.topic('confirmations'),
        groupId: `${this.names.group('notify')}.confirmations`,
        logger: this.logger,
        from: { since },
        onAssigned: (started) => this.confirmations.log.start(started, since),
        onRecords: (records) => this.onConfirmations(records),
        onCaughtUp: () => {
          this.confirmations.setReady();
          this.logger.info({ held: this.confirmations.log.size, cursor: this.confirmations.cursor }, 'confirmations: caught up; producers are served');
        },
      });
      try {
        await tail.start();
        this.confirmationTail = tail;
        if (this.stopping) await tail.stop();
        return;
      } catch (e) {
        this.logger.error({ err: (e as Error).message, attempt }, 'confirmations: cannot read the topic yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  }

  private async onConfirmations(records: StoredRecord[]): Promise<void> {
    await this.serde.prepare('confirmations', records.map((r) => r.value));
    const entries: ConfirmationEntry[] = [];
    for (const r of records) {
      let c: Confirmation;
      try {
        c = this.serde.decodeSync<Confirmation>('confirmations', r.value);
      } catch (e) {
        this.logger.warn({ partition: r.partition, offset: r.offset, err: (e as Error).message }, 'confirmations: a record does not decode; skipped');
        entries.push({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, producer: null, eventIds: [], stage: 'persisted', committedAt: r.timestamp });
        continue;
      }
      entries.push({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, producer: c.producer ?? null, eventIds: c.eventIds, stage: c.stage ?? 'persisted', committedAt: c.committedAt });
    }
    this.confirmations.publish(entries);
    this.pipeline.confirmed(entries);
  }

  private async decodeAlerts(values: Array<Buffer | null>): Promise<Array<Alert | null>> {
    await this.serde.prepare('alerts', values);
    return values.map((v) => {
      try {
        return this.serde.decodeSync<Alert>('alerts', v);
      } catch {
        return null;
      }
    });
  }

  private async deadLetterWebhook(source: WebhookSource, sub: WebhookSubscription, reason: string, attempts: number): Promise<void> {
    const running = await this.attached;
    const record = deadLetter(this.names, running.context.serde, 'notify', source, reason, 'delivery', attempts);
    record.headers = { ...record.headers, 'sluice-webhook': sub.id };
    for (let attempt = 1; ; attempt++) {
      try {
        await running.producer.send([record]);
        return;
      } catch (e) {
        if (this.stopping && attempt >= 3) throw e;
        this.logger.warn({ err: (e as Error).message, attempt }, 'writing a webhook dead letter failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      }
    }
  }

  private sampleStats(): Promise<void> {
    // One sample at a time; stop() waits for it before disconnecting the admin client it uses.
    this.sampling ??= this.sampleOnce().finally(() => (this.sampling = null));
    return this.sampling;
  }

  private async sampleOnce(): Promise<void> {
    if (!this.stats || this.stopping) return;
    try {
      this.lastStats = await this.stats.sample();
      this.hub.publishStats({ ...this.lastStats, notify: this.notifyStatus() });
      const watchers = this.hub.pipelineWatchers;
      await this.pipeline.refresh(watchers);
      if (watchers > 0) this.hub.publishPipeline(this.pipelineSnapshot());
    } catch (e) {
      this.logger.debug({ err: (e as Error).message }, 'console stats sample failed');
    }
  }

  notifyStatus(): { clients: number; evictions: number; liveCursor: string; webhooks: WebhookStatus[]; producers: { clients: number; evictions: number; held: number } } {
    return {
      clients: this.hub.clients.size,
      evictions: this.hub.evictions,
      liveCursor: this.hub.liveCursor,
      webhooks: this.webhooks?.status() ?? [],
      producers: { clients: this.confirmations.clients.size, evictions: this.confirmations.evictions, held: this.confirmations.log.size },
    };
  }

  pipelineSnapshot(now = Date.now()): PipelineSnapshot {
    return this.pipeline.snapshot(this.lastStats, now);
  }

  /** Routes on the service's HTTP app: the console page, and token-protected JSON for scripts. */
  mount(app: express.Express): void {
    const guard: express.RequestHandler = (req, res, next) => {
      const auth = this.auth.authenticate(req);
      if (!auth.ok) {
        if (auth.status === 401) res.set('WWW-Authenticate', 'Bearer realm="sluice-notify"');
        res.status(auth.status).json({ error: auth.error });
        return;
      }
      next();
    };
    app.get('/api/stats', guard, (_req, res) => {
      res.json({ ...(this.lastStats ?? {}), notify: this.notifyStatus() });
    });
    app.get('/api/pipeline', guard, (_req, res) => {
      // Asking is watching: the topics are tailed from now until nobody has asked for a while.
      this.pipeline.watched();
      res.json(this.pipelineSnapshot());
    });
    app.get('/api/webhooks', guard, (_req, res) => {
      res.json({ webhooks: this.webhooks?.status() ?? [] });
    });
    app.use(express.static(CONSOLE_DIR, { index: 'index.html', maxAge: 0 }));
  }

  /** WebSocket upgrades on /ws: refused with 401/403 before any upgrade when the token is missing or wrong. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === CONFIRMATIONS_PATH) return this.upgradeProducer(req, socket, head, url);
    if (url.pathname !== '/ws') return refuse(socket, 404, { error: `no WebSocket endpoint at ${url.pathname}; connect to /ws (analysts) or ${CONFIRMATIONS_PATH} (producers)` });
    const auth = this.auth.authenticate(req);
    if (!auth.ok) {
      notifyMetrics.refusedConnections.inc({ status: String(auth.status) });
      return refuse(socket, auth.status, { error: auth.error }, auth.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="sluice-notify"' } : {});
    }
    if (this.stopping) return refuse(socket, 503, { error: 'the service is stopping' });
    if (this.hub.clients.size >= (this.options.maxClients ?? 10_000)) {
      notifyMetrics.refusedConnections.inc({ status: '503' });
      return refuse(socket, 503, { error: `too many clients (${this.options.maxClients}); try again later` }, { 'Retry-After': '5' });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.hub.accept(ws, auth.principal, socket);
    });
  }

  /**
   * Producer confirmation sockets on /v1/confirmations: the producer's ingest API key (Bearer or
   * X-API-Key), refused with 401/403 before any upgrade; `cursor` or `since` in the query resumes.
   */
  private upgradeProducer(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const auth = this.producers.authenticate(req);
    if (!auth.ok) {
      notifyMetrics.refusedConnections.inc({ status: String(auth.status) });
      return refuse(socket, auth.status, { error: auth.error }, auth.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="sluice-notify-producers"' } : {});
    }
    let from: ResumeFrom;
    try {
      from = parseResume(url.searchParams);
    } catch (e) {
      if (!(e instanceof ResumeError)) throw e;
      notifyMetrics.refusedConnections.inc({ status: '400' });
      return refuse(socket, 400, { error: e.message });
    }
    if (this.stopping) return refuse(socket, 503, { error: 'the service is stopping' });
    if (this.hub.clients.size + this.confirmations.clients.size >= (this.options.maxClients ?? 10_000)) {
      notifyMetrics.refusedConnections.inc({ status: '503' });
      return refuse(socket, 503, { error: `too many clients (${this.options.maxClients}); try again later` }, { 'Retry-After': '5' });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      void this.confirmations.accept(ws, auth.producer, from, socket);
    });
  }

  /** Leave the group (no new alerts), close clients, give webhooks a moment to settle, commit their progress. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.running?.leaveGroup();
    await this.hub.close();
    await this.confirmations.close();
    await this.confirmationsStarting;
    await this.confirmationTail?.stop();
    await this.pipeline.close();
    if (this.webhooks) {
      const settled = await this.webhooks.drain(this.options.webhookDrainMs ?? 5000);
      if (!settled) this.logger.warn({ outstanding: this.webhooks.outstanding() }, 'webhook deliveries still outstanding at stop; they are redone on the next start');
      this.webhooks.close();
      this.committer!.commit(this.progress!.committable());
      await this.committer!.disconnect();
    }
    await this.sampling;
    await this.admin?.disconnect();
  }
}

function refuse(socket: Duplex, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}
