/**
 * Notify fan-out: the service as a process, N WebSocket clients in another (notify's own bench client,
 * services/notify/bench/clients.js), alerts produced into the alert topic at a steady rate from this
 * one; latency from the alert's Kafka timestamp to its arrival on each client.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { naming, type Alert } from '@sluice/contracts';
import { AvroSerde, RegistryClient, ReliableProducer, ensureTopics, kafkaAdminClient } from '@sluice/runtime';
import { ROOT, sleep, startService, stopChild } from './proc';

export interface NotifyResult {
  clients: number;
  alertsPerSec: number;
  alerts: number;
  deliveries: number;
  expectedDeliveries: number;
  duplicates: number;
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  peakRssMB: number;
}

interface ClientReport {
  deliveries: number;
  duplicates: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

function request<T>(child: ChildProcess, type: string, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send({ type });
  });
}

function alert(i: number): Alert {
  const now = Date.now();
  return {
    id: `bench-${i}`,
    dedupKey: `bench:keyword:k${i}`,
    rule: 'keyword-spike',
    ruleVersion: 'bench',
    severity: (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[Math.abs(i) % 4],
    title: `Benchmark alert ${i}: keyword k${i} is spiking`,
    source: 'twitter',
    entity: { type: 'keyword', value: `k${i}` },
    evidence: { eventIds: [`evt-${i}`], windowStart: now - 60_000, windowEnd: now, figures: { count: 42, threshold: 10 } },
    models: ['burst@1'],
    firedAt: now,
  };
}

export async function notifyBench(brokers: string[], registryUrl: string, clients: number, ratePerSec: number, seconds: number): Promise<NotifyResult> {
  const prefix = `bench.notify.${Date.now().toString(36)}`;
  const names = naming(prefix);
  const token = `bench-token-${Math.random().toString(36).slice(2)}-0123456789`;
  const admin = kafkaAdminClient(brokers, 'bench-admin');
  await admin.connect();
  await ensureTopics(admin, names, ['alerts', 'dlq']);
  const serde = new AvroSerde(new RegistryClient(registryUrl), prefix);
  await serde.register(['alerts']);
  const service = await startService('notify', {
    KAFKA_BROKERS: brokers.join(','),
    REGISTRY_URL: registryUrl,
    SLUICE_TOPIC_PREFIX: prefix,
    NOTIFY_TOKENS: `bench:${token}`,
    NOTIFY_MAX_CLIENTS: String(clients + 10),
  });
  const clientProc = fork(path.join(ROOT, 'services/notify/bench/clients.js'), [`ws://127.0.0.1:${service.port}/ws`, token, String(clients)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const producer = new ReliableProducer({ brokers, clientId: 'bench-alerts', lingerMs: 0 });
  try {
    await request(clientProc, 'connect', 'ready');
    await producer.connect();
    // Warm the producer's metadata and the clients, then forget the warm-up alert.
    await producer.send([{ topic: names.topic('alerts'), key: 'warmup', value: serde.encode('alerts', alert(-1)) }]);
    await sleep(1000);
    await request(clientProc, 'reset', 'reset');
    const total = ratePerSec * seconds;
    const started = Date.now();
    const acks: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / ratePerSec;
      if (due > Date.now()) await sleep(due - Date.now());
      const a = alert(i);
      acks.push(producer.send([{ topic: names.topic('alerts'), key: a.dedupKey, value: serde.encode('alerts', a) }]));
    }
    await Promise.all(acks);
    const expected = total * clients;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await sleep(500);
      const p = await request<{ received: number }>(clientProc, 'progress', 'progress');
      if (p.received >= expected || Date.now() > deadline) break;
    }
    const report = await request<ClientReport>(clientProc, 'report', 'report');
    return {
      clients,
      alertsPerSec: ratePerSec,
      alerts: total,
      deliveries: report.deliveries,
      expectedDeliveries: expected,
      duplicates: report.duplicates,
      latencyMs: { p50: report.p50, p90: report.p90, p99: report.p99, max: report.max },
      peakRssMB: service.rss.mb,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await stopChild(clientProc, 5000);
    await service.stop();
    service.rss.stop();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }
}
