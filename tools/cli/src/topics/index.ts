import { TOPICS, type TopicKey } from '@sluice/contracts';
import { ensureTopics, topicDrift, type TopicDrift } from '@sluice/runtime';
import { withAdmin, type CliContext } from '../context';
import { table } from '../format';

export interface TopicStatus {
  key: TopicKey;
  name: string;
  exists: boolean;
  declaredPartitions: number;
  /** Partitions the cluster has (null when the topic is missing). */
  actualPartitions: number | null;
  config: Record<string, string>;
  schema: string | null;
  doc: string;
  drift: string[];
}

export interface TopicsReport {
  prefix: string;
  created: string[];
  topics: TopicStatus[];
  drift: TopicDrift[];
}

/** Describes the declared topics against the cluster; with `create`, creates the missing ones first. */
export async function describeTopics(ctx: CliContext, opts: { create?: boolean } = {}): Promise<TopicsReport> {
  return withAdmin(ctx, async (admin) => {
    const keys = Object.keys(TOPICS) as TopicKey[];
    const created = opts.create ? await ensureTopics(admin, ctx.names, keys) : [];
    const drift = await topicDrift(admin, ctx.names, keys);
    const existing = new Set(await admin.listTopics());
    const present = keys.filter((k) => existing.has(ctx.names.topic(k)));
    const meta = present.length ? await admin.fetchTopicMetadata({ topics: present.map((k) => ctx.names.topic(k)) }) : { topics: [] };
    const partitions = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    const topics = keys.map((key) => {
      const name = ctx.names.topic(key);
      return {
        key,
        name,
        exists: existing.has(name),
        declaredPartitions: TOPICS[key].partitions,
        actualPartitions: partitions.get(name) ?? null,
        config: TOPICS[key].config,
        schema: TOPICS[key].schema,
        doc: TOPICS[key].doc,
        drift: drift.filter((d) => d.topic === name).map((d) => d.problem),
      };
    });
    return { prefix: ctx.prefix, created, topics, drift };
  });
}

export function renderTopics(r: TopicsReport): string {
  const rows = r.topics.map((t) => [
    t.key,
    t.name,
    t.actualPartitions === null ? `${t.declaredPartitions} (missing)` : t.actualPartitions === t.declaredPartitions ? String(t.declaredPartitions) : `${t.actualPartitions} (declared ${t.declaredPartitions})`,
    Object.entries(t.config)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    !t.exists ? 'MISSING' : t.drift.length ? 'DRIFT' : 'ok',
  ]);
  const out = [table(['key', 'topic', 'partitions', 'declared config', 'status'], rows)];
  if (r.created.length) out.push('', `created: ${r.created.join(', ')}`);
  if (r.drift.length) {
    out.push('', 'drift (declared vs actual):');
    for (const d of r.drift) out.push(`  ${d.topic}: ${d.problem}`);
    if (r.drift.some((d) => d.problem === 'missing')) out.push('', 'run `sluice topics --create` to create the missing topics');
  } else out.push('', 'no drift: every declared topic exists with its declared partitions and configuration');
  return out.join('\n');
}
