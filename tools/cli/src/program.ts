import { Command, CommanderError, Option } from 'commander';
import { CliError, createContext, parseInteger, parseSeconds, parseStage, parseTime, type CliContext, type GlobalOptions } from './context';
import { json } from './format';
import { describeTopics, renderTopics } from './topics';
import { measureLag, renderLag, watchLag } from './lag';
import { renderReplay, replay, type ReplayTarget } from './replay';
import { renderShadow, shadowReplay } from './replay/shadow';
import { stageFromModule } from './replay/stages';
import { listDeadLetters, redriveDeadLetters, renderDlqList, renderDlqShow, renderRedrive, showDeadLetter } from './dlq';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

interface RunState {
  exitCode: number;
  signal?: AbortSignal;
}

const VERSION = '0.1.0';

/** The `sluice` command tree. Actions print through `io` and set `state.exitCode`. */
export function buildProgram(io: Io = processIo, state: RunState = { exitCode: 0 }): Command {
  const print = (text: string) => io.out(text.endsWith('\n') ? text : `${text}\n`);
  const emit = (asJson: boolean | undefined, value: unknown, human: () => string) => print(asJson ? json(value) : human());
  const ctxOf = (cmd: Command): CliContext => createContext(cmd.optsWithGlobals<GlobalOptions>());

  const program = new Command('sluice')
    .description('Operate a Sluice deployment: topics, consumer lag, replay by offset reset, shadow replay, dead letters.')
    .version(VERSION)
    .option('--brokers <list>', 'Kafka bootstrap servers, comma-separated (env KAFKA_BROKERS)', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .option('--registry <url>', 'schema registry URL (env REGISTRY_URL)', process.env.REGISTRY_URL ?? 'http://127.0.0.1:8081')
    .option('--prefix <prefix>', 'topic and group name prefix of the deployment (env SLUICE_TOPIC_PREFIX)', process.env.SLUICE_TOPIC_PREFIX ?? '')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('topics')
    .description('describe the declared topics (name, partitions, configuration) and report drift from what the cluster has')
    .option('--create', 'create the declared topics that are missing')
    .option('--check', 'exit with status 3 when any topic is missing or drifted')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { create?: boolean; check?: boolean; json?: boolean }, cmd: Command) => {
      const report = await describeTopics(ctxOf(cmd), { create: opts.create });
      emit(opts.json, report, () => renderTopics(report));
      if (opts.check && report.drift.length > 0) state.exitCode = 3;
    });

  program
    .command('lag')
    .description('consumer lag per group and partition, in records and seconds behind, with the drain rate')
    .option('--group <stage>', 'only this stage (enrich, score, persist, notify)')
    .option('--interval <seconds>', 'time between the two samples the drain rate comes from (between refreshes with --watch)', '1')
    .option('--watch', 'refresh until interrupted (Ctrl-C)')
    .option('--json', 'print JSON for scripts (one document per refresh with --watch)')
    .action(async (opts: { group?: string; interval: string; watch?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const stage = opts.group === undefined ? undefined : parseStage(opts.group);
      const intervalMs = parseSeconds(opts.interval, '--interval') * 1000;
      if (opts.watch) {
        await watchLag(ctx, { stage, intervalMs, signal: state.signal }, (r) => {
          if (!opts.json) io.out('\u001b[2J\u001b[H');
          emit(opts.json, r, () => `${new Date().toISOString()}\n${renderLag(r)}`);
        });
        return;
      }
      const report = await measureLag(ctx, { stage, intervalMs });
      emit(opts.json, report, () => renderLag(report));
    });

  program
    .command('replay')
    .description('rewind (or move) a stage\'s consumer group, coordinated with its running instances; or, with --shadow, try the current logic on history')
    .requiredOption('--group <stage>', 'the stage whose group moves (enrich, score, persist, notify)')
    .option('--from <time>', 'replay from the first record at or after this ISO 8601 time')
    .option('--to-offset <n>', 'move every partition to this offset')
    .option('--shift-by <n>', 'move every partition by n records (negative rewinds), e.g. --shift-by=-1000')
    .option('--topic <key>', 'only this input topic (topic key such as raw, or its full name)')
    .option('--dry-run', 'print the plan (per partition: current -> target, records to re-read) and change nothing')
    .option('--timeout <seconds>', 'how long the running instances have to acknowledge and leave the group (default 60); with --shadow, how long the shadow stage may run (default 600)')
    .option('--shadow', 'shadow replay: run the stage\'s current logic over [--from, --to) into shadow topics and report what would change')
    .option('--to <time>', 'with --shadow: end of the input range (default: the log end when the replay starts)')
    .addOption(new Option('--run-id <id>', 'with --shadow: names the shadow topics (prefix shadow.<id>); random by default'))
    .addOption(new Option('--stage-module <file>', 'with --shadow: a module exporting stage() that returns the StageDefinition to try (default: the installed stage)'))
    .option('--cleanup', 'with --shadow: delete the shadow topics and group afterwards')
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Examples:
  sluice replay --group enrich --from 2024-05-01T12:00:00Z --dry-run
  sluice replay --group score --shift-by=-5000 --topic enriched
  sluice replay --group score --shadow --from 2024-05-01T12:00:00Z --to 2024-05-01T13:00:00Z

A running stage is paused through the control topic (each instance finishes its in-flight work, commits,
leaves the group and acknowledges), the offsets are reset while the group is empty, and the stage is resumed.
With the stage stopped the reset happens directly.`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const stage = parseStage(String(opts.group));
      const timeoutMs = opts.timeout === undefined ? undefined : parseSeconds(String(opts.timeout), '--timeout') * 1000;
      if (opts.shadow) {
        if (opts.from === undefined) throw new CliError('--shadow needs --from <time> (and optionally --to <time>)');
        if (opts.toOffset !== undefined || opts.shiftBy !== undefined) throw new CliError('--shadow replays a time range; use --from/--to, not --to-offset/--shift-by');
        if (opts.dryRun) throw new CliError('--shadow never changes live state; leave out --dry-run');
        if (opts.topic !== undefined) throw new CliError('--shadow replays every input topic of the stage; leave out --topic');
        const module = opts.stageModule as string | undefined;
        const report = await shadowReplay(ctx, {
          stage,
          from: parseTime(String(opts.from), '--from'),
          to: opts.to === undefined ? undefined : parseTime(String(opts.to), '--to'),
          runId: opts.runId as string | undefined,
          define: module ? () => stageFromModule(module) : undefined,
          timeoutMs,
          cleanup: !!opts.cleanup,
        });
        emit(opts.json as boolean, report, () => renderShadow(report));
        return;
      }
      for (const only of ['to', 'runId', 'stageModule', 'cleanup'] as const) {
        if (opts[only] !== undefined) throw new CliError(`--${only.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --shadow only`);
      }
      const modes = ['from', 'toOffset', 'shiftBy'].filter((k) => opts[k] !== undefined);
      if (modes.length !== 1) throw new CliError('say where to move the group with exactly one of --from <time>, --to-offset <n>, --shift-by <n>');
      const target: ReplayTarget =
        opts.from !== undefined
          ? { kind: 'time', at: parseTime(String(opts.from), '--from') }
          : opts.toOffset !== undefined
            ? { kind: 'offset', offset: parseInteger(String(opts.toOffset), '--to-offset') }
            : { kind: 'shift', by: parseInteger(String(opts.shiftBy), '--shift-by') };
      if (target.kind === 'offset' && target.offset < 0) throw new CliError('--to-offset must be 0 or more');
      const result = await replay(ctx, { stage, target, topic: opts.topic as string | undefined, dryRun: !!opts.dryRun, timeoutMs });
      emit(opts.json as boolean, result, () => renderReplay(result));
      if (result.warnings.length) state.exitCode = 4;
    });

  const dlq = program.command('dlq').description('dead letters: list them by reason and stage, show one, redrive fixed ones to their source topic');

  dlq
    .command('list')
    .description('dead letters grouped by stage and reason, with counts and source positions')
    .option('--stage <name>', 'only this stage')
    .option('--reason-contains <text>', 'only reasons containing this text (case-insensitive)')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { stage?: string; reasonContains?: string; json?: boolean }, cmd: Command) => {
      const listing = await listDeadLetters(ctxOf(cmd), { stage: opts.stage, reasonContains: opts.reasonContains });
      emit(opts.json, listing, () => renderDlqList(listing));
    });

  dlq
    .command('show')
    .description('one dead letter, decoded, with its original value decoded when it is valid Avro (else a hex and UTF-8 preview)')
    .argument('<ref>', 'source position <topic>:<partition>:<offset>, or the dead letter\'s own position <partition>:<offset> (or <offset>)')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const shown = await showDeadLetter(ctxOf(cmd), ref);
      emit(opts.json, shown, () => renderDlqShow(shown));
    });

  dlq
    .command('redrive')
    .description('re-produce the original records of selected dead letters to their source topic, exactly once across runs')
    .option('--stage <name>', 'dead letters of this stage')
    .option('--reason-contains <text>', 'dead letters whose reason contains this text')
    .option('--ids <refs...>', 'these dead letters (source or dead-letter positions, space- or comma-separated)')
    .option('--all', 'every dead letter (when no other selector is given)')
    .option('--dry-run', 'show what would be redriven and what was redriven before; send nothing')
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Each redriven record carries the header sluice-redrive-of: <dlq topic>:<partition>:<offset>. Before sending,
the source partitions are scanned for that header, so running redrive again never delivers a record twice.`,
    )
    .action(async (opts: { stage?: string; reasonContains?: string; ids?: string[]; all?: boolean; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const ids = opts.ids?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      const result = await redriveDeadLetters(ctxOf(cmd), { stage: opts.stage, reasonContains: opts.reasonContains, ids, all: opts.all, dryRun: opts.dryRun });
      emit(opts.json, result, () => renderRedrive(result));
    });

  return program;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit status. */
export async function run(argv: string[], io: Io = processIo, signal?: AbortSignal): Promise<number> {
  const state: RunState = { exitCode: 0, signal };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end here too, with status 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      io.err(`sluice: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`sluice: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
