import pino from 'pino';
import { GROUPS, naming, STAGE_INPUTS, TOPICS, type GroupStage, type Naming, type TopicKey } from '@sluice/contracts';
import { AvroSerde, RegistryClient, kafkaAdminClient, type Logger } from '@sluice/runtime';

/** What every command needs: where Kafka and the registry are, and which deployment (prefix) to act on. */
export interface CliContext {
  brokers: string[];
  registryUrl: string;
  prefix: string;
  names: Naming;
  /** Logs of the clients the CLI runs (the shadow stage); on stderr so stdout stays the report. */
  logger: Logger;
}

export interface GlobalOptions {
  brokers?: string;
  registry?: string;
  prefix?: string;
}

/** A refused input or an operation that cannot go on; main prints its message and exits non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function createContext(opts: GlobalOptions = {}): CliContext {
  const brokers = (opts.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new CliError('--brokers is empty; expected host:port[,host:port…]');
  for (const b of brokers) if (!/^[^:\s]+:\d+$/.test(b)) throw new CliError(`--brokers entry "${b}" is not host:port`);
  const registryUrl = opts.registry ?? process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081';
  try {
    new URL(registryUrl);
  } catch {
    throw new CliError(`--registry "${registryUrl}" is not a URL; expected e.g. http://127.0.0.1:8081`);
  }
  const prefix = opts.prefix ?? process.env.SLUICE_TOPIC_PREFIX ?? '';
  const logger = pino({ name: 'sluice', level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'sluice-cli' } }, pino.destination({ dest: 2, sync: true }));
  return { brokers, registryUrl, prefix, names: naming(prefix), logger };
}

export type Admin = ReturnType<typeof kafkaAdminClient>;

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(ctx: CliContext, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaAdminClient(ctx.brokers, `sluice-cli-${process.pid}`);
  try {
    await admin.connect();
  } catch (e) {
    throw new CliError(`cannot reach Kafka at ${ctx.brokers.join(',')}: ${(e as Error).message}`);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export function serdeFor(ctx: CliContext): AvroSerde {
  return new AvroSerde(new RegistryClient(ctx.registryUrl), ctx.prefix);
}

export function parseStage(value: string, option = '--group'): GroupStage {
  if (value in GROUPS) return value as GroupStage;
  // Accept the full group id too (sluice.enrich, or prefixed).
  for (const stage of Object.keys(GROUPS) as GroupStage[]) if (value.endsWith(GROUPS[stage])) return stage;
  throw new CliError(`${option} "${value}" is not a consuming stage; expected one of ${Object.keys(GROUPS).join(', ')}`);
}

/** The input topics of a stage, narrowed to --topic (a topic key such as raw, or its full name). */
export function stageInputs(ctx: CliContext, stage: GroupStage, topic?: string): TopicKey[] {
  const inputs = STAGE_INPUTS[stage];
  if (topic === undefined) return inputs;
  const key = (topic in TOPICS ? topic : ctx.names.keyOf(topic)) as TopicKey | undefined;
  if (!key || !inputs.includes(key)) {
    throw new CliError(`--topic "${topic}" is not an input of ${stage}; expected one of ${inputs.map((k) => `${k} (${ctx.names.topic(k)})`).join(', ')}`);
  }
  return [key];
}

export function parseTime(value: string, option: string): number {
  // Date.parse also takes loose forms ("May 1"); an operator's replay point must be unambiguous.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliError(`${option} "${value}" is not an ISO 8601 time; expected e.g. 2024-05-01T12:00:00Z`);
  }
  return Date.parse(value);
}

export function parseInteger(value: string, option: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new CliError(`${option} "${value}" is not an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new CliError(`${option} "${value}" is out of range`);
  return n;
}

export function parseSeconds(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${option} "${value}" is not a positive number of seconds`);
  return n;
}
