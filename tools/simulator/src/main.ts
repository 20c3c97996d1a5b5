#!/usr/bin/env node
/** sluice-simulate: realistic traffic with injected bursts, sent through the Sluice client. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createClient, type ClientTarget } from '@sluice/client';
import { simulate, type SimulationReport } from './run';
import { BURST_KINDS, generateTraffic, plannedBursts, type BurstKind } from './traffic';

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name}: expected a number above 0, got ${JSON.stringify(v)}`);
    return n;
  };
}

function nonNegative(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name}: expected a number of 0 or more, got ${JSON.stringify(v)}`);
    return n;
  };
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--count: expected a whole number of events above 0, got ${JSON.stringify(v)}`);
  return n;
}

export function parseBursts(v: string): BurstKind[] {
  const out = new Set<BurstKind>();
  for (const part of v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (part === 'all') BURST_KINDS.forEach((b) => out.add(b));
    else if (part === 'none') continue;
    else if ((BURST_KINDS as readonly string[]).includes(part)) out.add(part as BurstKind);
    else throw new InvalidArgumentError(`--burst: expected spike, negative, spam, all or none (comma-separated), got ${JSON.stringify(part)}`);
  }
  return [...out];
}

function line(r: SimulationReport): string {
  const secs = r.elapsedMs / 1000;
  const scen = Object.entries(r.byScenario)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `${secs.toFixed(0)}s: sent ${r.sent} live (${(r.sent / Math.max(1, secs)).toFixed(1)}/s) + ${r.history} history; accepted ${r.accepted}, rejected ${r.rejected}, failed ${r.failed}${scen ? ` | ${scen}` : ''}`;
}

export function program(): Command {
  const env = process.env;
  return new Command('sluice-simulate')
    .description(
      'Sends realistic synthetic social-media traffic (Arabic and English posts, comments, videos, news, chat, links and link metrics) to Sluice, with injected bursts the built-in alert rules catch.',
    )
    .option('--rate <events/s>', 'background events per second', positive('--rate'), 20)
    .option('--duration <seconds>', 'seconds of live traffic; 0 runs until interrupted', nonNegative('--duration'), 60)
    .option('--count <events>', 'stop after this many live events', count)
    .addOption(new Option('--transport <transport>', 'send over HTTP to ingest or straight to Kafka').choices(['http', 'kafka']).default('http'))
    .option('--url <url>', 'ingest base URL (http)', env.SLUICE_INGEST_URL ?? 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'producer API key (http; default $SLUICE_API_KEY)', env.SLUICE_API_KEY)
    .option('--brokers <list>', 'Kafka bootstrap servers (kafka)', env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .option('--registry <url>', 'schema registry URL (kafka)', env.REGISTRY_URL ?? 'http://127.0.0.1:8081')
    .option('--prefix <prefix>', 'topic prefix of the deployment (kafka)', env.SLUICE_TOPIC_PREFIX ?? '')
    .option('--burst <kinds>', 'bursts to inject: spike, negative, spam, all or none (comma-separated)', parseBursts, [...BURST_KINDS])
    .option('--seed <seed>', 'seed of the random traffic (same seed, same content)', 'sluice')
    .option('--history <minutes>', 'minutes of history sent first (default 15 when a spike is planned, else 0)', nonNegative('--history'))
    .option('--first-burst <seconds>', 'seconds after the live start when the first bursts begin', nonNegative('--first-burst'), 10)
    .option('--burst-every <seconds>', 'bursts repeat this often', positive('--burst-every'), 600)
    .option('--keyword <keywords>', 'watched keywords to spike, in turn (comma-separated: earthquake, flood, fire, outage, explosion)')
    .option('--dry-run', 'print the events as NDJSON on stdout instead of sending them (no pacing)')
    .option('--quiet', 'no progress lines')
    .action(async (o) => {
      const traffic = {
        seed: o.seed as string,
        rate: o.rate as number,
        durationMs: (o.duration as number) * 1000,
        count: o.count as number | undefined,
        bursts: o.burst as BurstKind[],
        historyMs: o.history === undefined ? undefined : (o.history as number) * 60_000,
        firstBurstAtMs: (o.firstBurst as number) * 1000,
        burstEveryMs: (o.burstEvery as number) * 1000,
        spikeKeywords: o.keyword ? String(o.keyword).split(',').map((s: string) => s.trim()).filter(Boolean) : undefined,
      };
      if (o.dryRun) {
        for (const { event } of generateTraffic({ ...traffic, startTime: Date.now() })) {
          if (!process.stdout.write(`${JSON.stringify(event)}\n`)) await new Promise((r) => process.stdout.once('drain', r));
        }
        return;
      }
      let target: ClientTarget;
      if (o.transport === 'http') {
        if (!o.apiKey) throw new InvalidArgumentError('--api-key (or $SLUICE_API_KEY) is required with --transport http: the producer key ingest knows (INGEST_API_KEYS holds its SHA-256)');
        target = { transport: 'http', url: o.url, apiKey: o.apiKey };
      } else {
        target = { transport: 'kafka', brokers: String(o.brokers).split(','), registryUrl: o.registry, prefix: o.prefix, clientId: 'sluice-simulate' };
      }
      const client = createClient(target, { maxBatchEvents: 500, lingerMs: 50 });
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const log = (s: string) => {
        if (!o.quiet) process.stderr.write(`${s}\n`);
      };
      const bursts = plannedBursts({ ...traffic, startTime: 0 }, 6);
      log(`sluice-simulate: ${o.rate} events/s over ${o.transport}${traffic.durationMs ? ` for ${o.duration} s` : ' until interrupted'}, seed ${o.seed}`);
      for (const b of bursts) log(`  burst ${b.kind} (${b.subject}) at ${(b.startMs / 1000).toFixed(0)}-${(b.endMs / 1000).toFixed(0)} s`);
      try {
        const report = await simulate({ ...traffic, send: (e) => client.send(e), signal: stop.signal, onProgress: (r) => log(line(r)) });
        await client.close();
        log(line(report));
        for (const p of report.problems.slice(0, 5)) log(`  problem: ${p}`);
        log(`  sources: ${JSON.stringify(report.bySource)}  kinds: ${JSON.stringify(report.byKind)}`);
        process.exitCode = report.failed > 0 ? 2 : report.rejected > 0 ? 1 : 0;
      } catch (err) {
        await client.close().catch(() => undefined);
        throw err;
      }
    });
}

if (require.main === module) {
  program()
    .parseAsync(process.argv)
    .catch((err: Error) => {
      process.stderr.write(`sluice-simulate: ${err.message}\n`);
      process.exit(1);
    });
}
