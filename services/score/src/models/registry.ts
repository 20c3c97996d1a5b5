/**
 * The weight-file models in force and their hot swap.
 *
 * SCORE_MODEL_DIR holds files named `<model>@<version>.json` (sentiment, spam); the highest version of each
 * model is the one in force. A new file (noticed by fs.watch, a poll, or a reload call) is loaded and
 * validated off the scoring path and becomes *pending*; the handler takes the pending set at the start of
 * a batch, so a batch is scored by exactly one set of models and no record is dropped or scored twice.
 * A file that fails to load is reported and the models in force stay.
 */
import { promises as fsp, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@sluice/runtime';
import { SentimentModel } from './sentiment/model';
import { SpamModel } from './spam/model';

export interface ModelSet {
  sentiment: SentimentModel;
  spam: SpamModel;
  /** Files the models came from. */
  files: { sentiment: string; spam: string };
}

const FILE = /^(sentiment|spam)@(\d+)\.(\d+)\.(\d+)\.json$/;
type Name = 'sentiment' | 'spam';

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Newest file of each model in a directory. */
export async function newestModelFiles(dir: string): Promise<Partial<Record<Name, string>>> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (e) {
    throw new Error(`SCORE_MODEL_DIR ${dir} cannot be read: ${(e as Error).message}`);
  }
  const best: Partial<Record<Name, { file: string; v: number[] }>> = {};
  for (const f of entries) {
    const m = FILE.exec(f);
    if (!m) continue;
    const name = m[1] as Name;
    const v = [Number(m[2]), Number(m[3]), Number(m[4])];
    const cur = best[name];
    if (!cur || compareVersions(v, cur.v) > 0) best[name] = { file: path.join(dir, f), v };
  }
  return { sentiment: best.sentiment?.file, spam: best.spam?.file };
}

async function loadFile<T>(file: string, parse: (json: unknown, where: string) => T & { version: string }): Promise<T & { version: string }> {
  const text = await fsp.readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const model = parse(json, file);
  const named = FILE.exec(path.basename(file));
  const fileVersion = named ? `${named[2]}.${named[3]}.${named[4]}` : model.version;
  if (fileVersion !== model.version) throw new Error(`${file}: field "version" is ${model.version} but the file name says ${fileVersion}`);
  return model;
}

export async function loadModelSet(dir: string): Promise<ModelSet> {
  const files = await newestModelFiles(dir);
  if (!files.sentiment) throw new Error(`SCORE_MODEL_DIR ${dir} has no sentiment@<version>.json`);
  if (!files.spam) throw new Error(`SCORE_MODEL_DIR ${dir} has no spam@<version>.json`);
  const [sentiment, spam] = await Promise.all([loadFile(files.sentiment, SentimentModel.parse), loadFile(files.spam, SpamModel.parse)]);
  return { sentiment, spam, files: { sentiment: files.sentiment, spam: files.spam } };
}

export class ModelRegistry {
  private active: ModelSet;
  private pending: ModelSet | null = null;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<boolean> | null = null;
  private again = false;
  lastError: string | null = null;

  private constructor(
    readonly dir: string,
    initial: ModelSet,
    private readonly logger?: Logger,
  ) {
    this.active = initial;
  }

  static async open(dir: string, logger?: Logger): Promise<ModelRegistry> {
    return new ModelRegistry(dir, await loadModelSet(dir), logger);
  }

  /** The models in force (for reading; the handler uses take()). */
  get current(): ModelSet {
    return this.pending ?? this.active;
  }

  versions(): Record<string, string> {
    const m = this.current;
    return { sentiment: m.sentiment.version, spam: m.spam.version };
  }

  /** Called between batches: puts a pending model set in force and returns the set to score with. */
  take(): ModelSet {
    if (this.pending) {
      const before = this.active;
      this.active = this.pending;
      this.pending = null;
      this.logger?.info(
        { sentiment: `${before.sentiment.version} -> ${this.active.sentiment.version}`, spam: `${before.spam.version} -> ${this.active.spam.version}` },
        'model versions swapped in',
      );
    }
    return this.active;
  }

  /** Rescans the directory; resolves true when a new model version is pending. */
  reload(): Promise<boolean> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.doReload().finally(() => {
      this.reloading = null;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async doReload(): Promise<boolean> {
    try {
      const files = await newestModelFiles(this.dir);
      const cur = this.current;
      if (files.sentiment === cur.files.sentiment && files.spam === cur.files.spam) return false;
      const next = await loadModelSet(this.dir);
      if (next.sentiment.version === cur.sentiment.version && next.spam.version === cur.spam.version) return false;
      this.pending = next;
      this.lastError = null;
      this.logger?.info({ sentiment: next.sentiment.version, spam: next.spam.version }, 'new model versions loaded; they take over at the next batch');
      return true;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.logger?.error({ err: this.lastError }, 'new model files refused; the models in force stay');
      return false;
    }
  }

  /** Watches the directory (fs.watch, with a poll as fallback for file systems that do not notify). */
  /** @param fsWatch false to rely on polling alone (file systems without change notification). */
  watch(pollMs: number, fsWatch = true): void {
    if (fsWatch) {
      try {
        this.watcher = watch(this.dir, { persistent: false }, () => void this.reload());
        this.watcher.on('error', (e) => this.logger?.warn({ err: e.message }, 'watching the model directory failed; polling continues'));
      } catch (e) {
        this.logger?.warn({ err: (e as Error).message }, 'cannot watch the model directory; polling only');
      }
    }
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.reload(), pollMs);
      this.timer.unref();
    }
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}
