import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GroupStage } from '@sluice/contracts';
import { loadConfig, stageConfig, type ConfigSpec, type Logger, type StageDefinition } from '@sluice/runtime';
import { CliError } from '../context';

/** What a stage factory gets from the CLI: where Kafka is (the stage's own clients must use the same). */
export interface ShadowEnv {
  brokers: string[];
  logger?: Logger;
}

/** A stage the shadow replay can run: its definition, built from the same environment its service reads. */
export interface ShadowStage {
  stage: (env?: ShadowEnv) => Promise<StageDefinition<any>>;
}

type ServiceModule = Record<string, any>;

/**
 * Loads a service package lazily (listing dead letters must not need every stage built). The workspace
 * links it when the CLI declares it; otherwise the repository's services/ folder is used.
 */
function loadService(name: string): ServiceModule {
  const pkg = `@sluice/${name}`;
  try {
    return require(pkg) as ServiceModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
  }
  const dir = path.resolve(__dirname, '../../../../services', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new CliError(`stage ${name} is not available to shadow replay: ${pkg} is not installed`);
  try {
    return require(dir) as ServiceModule;
  } catch (e) {
    throw new CliError(`stage ${name} is not available to shadow replay: cannot load ${pkg} from ${dir} (${(e as Error).message}); build it with npx tsc -b services/${name}`);
  }
}

/** The service's environment variables, read as the service reads them (a bad one is named). */
function configOf(name: string, spec: ConfigSpec, env: ShadowEnv | undefined): Record<string, unknown> {
  try {
    const config = loadConfig({ ...stageConfig, ...spec }) as Record<string, unknown>;
    return env ? { ...config, KAFKA_BROKERS: env.brokers } : config;
  } catch (e) {
    throw new CliError(`configuration of ${name} for the shadow replay: ${(e as Error).message}`);
  }
}

/**
 * Stages a shadow replay can run, by name, each built the way its service's main.ts builds it. Stages that
 * write outside Kafka (persist, notify) are not here: their shadow would touch live state.
 */
export const SHADOW_STAGES: Partial<Record<GroupStage, ShadowStage>> = {
  enrich: {
    async stage(env) {
      const m = loadService('enrich');
      return m.enrichStage(m.enrichConfigFromEnv(configOf('enrich', m.enrichConfigSpec, env)));
    },
  },
  score: {
    async stage(env) {
      const m = loadService('score');
      return m.scoreStage(m.scoreOptionsFromConfig(configOf('score', m.scoreConfig, env), env?.logger));
    },
  },
};

/**
 * A stage definition from a module file (a candidate build of a new model, rule or enricher): it exports
 * `stage()` (or a default function) returning the StageDefinition.
 */
export async function stageFromModule(file: string): Promise<StageDefinition<any>> {
  const resolved = path.resolve(file);
  let m: Record<string, unknown>;
  try {
    m = require(resolved) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`--stage-module ${resolved} cannot be loaded: ${(e as Error).message}`);
  }
  const factory = (m.stage ?? m.default) as (() => unknown) | undefined;
  if (typeof factory !== 'function') throw new CliError(`--stage-module ${resolved} must export stage() returning a StageDefinition`);
  const def = (await factory()) as StageDefinition<any>;
  if (!def || typeof def.handle !== 'function' || typeof def.stage !== 'string') throw new CliError(`--stage-module ${resolved}: stage() did not return a StageDefinition (stage, outputs, handle)`);
  return def;
}

export async function shadowStage(stage: GroupStage, env?: ShadowEnv): Promise<StageDefinition<any>> {
  const entry = SHADOW_STAGES[stage];
  if (!entry) throw new CliError(`--shadow supports ${Object.keys(SHADOW_STAGES).join(', ')}; ${stage} writes outside Kafka and cannot run in a shadow`);
  return entry.stage(env);
}
