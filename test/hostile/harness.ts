/**
 * Shared pieces of the hostile-input and security tests: fresh databases, the services' environment,
 * a raw HTTP client for requests fetch() refuses to send, and exact reads of whole topics.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as Kafka from 'node-rdkafka';
import { Client } from 'pg';
import { BROKERS, REGISTRY_URL } from '../support/kafka';
import { dropDatabase } from '../support/db';
import { startService, type ServiceProcess } from '../support/processes';

export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://sluice:sluice@127.0.0.1:5432/sluice';

export const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A random secret that cannot appear in a log by coincidence. */
export const secret = (label: string) => `${label}-${randomBytes(18).toString('base64url')}`;

export function commonEnv(prefix: string): Record<string, string> {
  return { KAFKA_BROKERS: BROKERS.join(','), REGISTRY_URL, SLUICE_TOPIC_PREFIX: prefix, STAGE_LAG_INTERVAL_MS: '2000' };
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  name: string;
  /** URL the service is given. */
  url: string;
  /** The password in that URL: a unique secret when the server lets any password in (trust), else the configured one. */
  password: string;
  drop(): Promise<void>;
}

/**
 * A fresh database. When the server authenticates by trust (the local dev stack), the service is given
 * a unique random password, so a leak of it is unmistakable in logs; otherwise the configured one.
 */
export async function createDatabase(label: string): Promise<TestDatabase> {
  const name = `${label}_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const base = new URL(ADMIN_DATABASE_URL);
  base.pathname = `/${name}`;
  const unique = new URL(base);
  unique.password = secret('pgpw');
  let url = base.toString();
  let password = decodeURIComponent(base.password);
  const probe = new Client({ connectionString: unique.toString() });
  try {
    await probe.connect();
    url = unique.toString();
    password = decodeURIComponent(unique.password);
  } catch {
    // Real password authentication: keep the configured password.
  } finally {
    await probe.end().catch(() => undefined);
  }
  return { name, url, password, drop: () => dropDatabase(ADMIN_DATABASE_URL, name) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are on a new connection and reads one HTTP response (skipping 100 Continue).
 * Resolves 'timeout' when no complete response arrives in time; the connection is then closed.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse | 'timeout' | 'closed'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (r: RawResponse | 'timeout' | 'closed') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const parse = (final: boolean) => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return final ? done('closed') : undefined;
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        if (status >= 100 && status < 200) {
          buf = buf.subarray(end + 4);
          continue;
        }
        const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
        const body = buf.subarray(end + 4);
        if (length !== undefined && body.length >= length) return done({ status, headers, body: body.subarray(0, length).toString('utf8') });
        if (length === undefined && final) return done({ status, headers, body: body.toString('utf8') });
        return final ? done('closed') : undefined;
      }
    };
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      parse(false);
    });
    socket.on('error', () => parse(true));
    socket.on('close', () => parse(true));
    socket.write(request);
  });
}

/** The process is still running and answers /healthz. */
export async function expectAlive(proc: ServiceProcess): Promise<void> {
  expect({ service: proc.name, exitCode: proc.child.exitCode, signal: proc.child.signalCode }).toEqual({ service: proc.name, exitCode: null, signal: null });
  const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  expect({ service: proc.name, status: res.status }).toEqual({ service: proc.name, status: 200 });
}

export interface TopicRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Every record in the topic right now: reads each partition from its start to its high watermark. */
export async function readWholeTopic(topic: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const consumer = new Kafka.KafkaConsumer({ 'group.id': `hostile-reader-${Math.random()}`, 'metadata.broker.list': BROKERS.join(','), 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    const meta = await new Promise<Kafka.Metadata>((resolve, reject) => consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))));
    const partitions = (meta.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id);
    const high = new Map<number, number>();
    for (const p of partitions) {
      const w = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) => consumer.queryWatermarkOffsets(topic, p, 10_000, (err, o) => (err ? reject(err) : resolve(o))));
      if (w.highOffset > w.lowOffset) high.set(p, w.highOffset);
    }
    const out: TopicRecord[] = [];
    if (high.size === 0) return out;
    consumer.assign([...high.keys()].map((partition) => ({ topic, partition, offset: -2 /* beginning */ })));
    const next = new Map<number, number>();
    const deadline = Date.now() + timeoutMs;
    while ([...high].some(([p, h]) => (next.get(p) ?? 0) < h)) {
      if (Date.now() > deadline) throw new Error(`could not read ${topic} to its end within ${timeoutMs} ms`);
      const batch = await new Promise<Kafka.Message[]>((resolve) => consumer.consume(1000, (err, m) => resolve(err ? [] : m)));
      for (const m of batch) {
        if (m.offset >= (high.get(m.partition) ?? 0)) continue;
        next.set(m.partition, m.offset + 1);
        out.push({ partition: m.partition, offset: m.offset, key: (m.key as Buffer | undefined) ?? null, value: m.value ?? null });
      }
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Times out a promise with a message saying what hung. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts services side by side; if one fails to start, the others are stopped before the error is thrown. */
export async function startAll(specs: Array<[name: string, env: Record<string, string>]>): Promise<ServiceProcess[]> {
  const results = await Promise.allSettled(specs.map(([name, env]) => startService(name, env)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<ServiceProcess>).value);
}
