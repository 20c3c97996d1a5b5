/**
 * The rule file in force, reloaded when it changes (fs.watch on its directory, so editors that replace
 * the file are seen too, plus a poll as fallback). A bad file is refused with the line it fails at and
 * the last good rules stay in force. The handler takes new rules between batches.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@sluice/runtime';
import { parseRuleFile, RuleFileError, type RuleSet } from './schema';

export class RuleSource {
  private active: RuleSet;
  private pending: RuleSet | null = null;
  private contentHash: string;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  /** The last refusal, until a good file is loaded. */
  lastError: RuleFileError | null = null;

  private constructor(
    readonly file: string,
    initial: RuleSet,
    hash: string,
    private readonly logger?: Logger,
  ) {
    this.active = initial;
    this.contentHash = hash;
  }

  /** Loads the file; a bad file at startup is an error (there are no last good rules yet). */
  static async open(file: string, logger?: Logger): Promise<RuleSource> {
    const text = await fsp.readFile(file, 'utf8').catch((e: Error) => {
      throw new Error(`SCORE_RULES_FILE ${file} cannot be read: ${e.message}`);
    });
    const rules = parseRuleFile(text, file);
    logger?.info({ file, rules: rules.rules.length, version: rules.version }, 'alert rules loaded');
    return new RuleSource(file, rules, sha(text), logger);
  }

  get current(): RuleSet {
    return this.pending ?? this.active;
  }

  /** Between batches: the rules to evaluate with, and whether they just changed. */
  take(): { rules: RuleSet; changed: boolean } {
    if (!this.pending) return { rules: this.active, changed: false };
    this.active = this.pending;
    this.pending = null;
    return { rules: this.active, changed: true };
  }

  /** Re-reads the file; resolves 'changed', 'unchanged' or 'refused'. */
  async reload(): Promise<'changed' | 'unchanged' | 'refused'> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (e) {
      this.logger?.warn({ file: this.file, err: (e as Error).message }, 'rule file cannot be read; the rules in force stay');
      return 'refused';
    }
    const h = sha(text);
    if (h === this.contentHash) return 'unchanged';
    this.contentHash = h;
    try {
      const rules = parseRuleFile(text, this.file);
      this.pending = rules;
      this.lastError = null;
      this.logger?.info({ file: this.file, rules: rules.rules.length, version: rules.version }, 'alert rules reloaded');
      return 'changed';
    } catch (e) {
      this.lastError = e instanceof RuleFileError ? e : new RuleFileError(this.file, null, (e as Error).message);
      this.logger?.error({ file: this.file, line: this.lastError.line, err: this.lastError.message }, 'rule file refused; the last good rules stay in force');
      return 'refused';
    }
  }

  /** @param fsWatch false to rely on polling alone (file systems without change notification). */
  watch(pollMs: number, fsWatch = true): void {
    const base = path.basename(this.file);
    if (fsWatch) {
      try {
        this.watcher = watch(path.dirname(this.file), { persistent: false }, (_event, name) => {
          if (name && name.toString() !== base) return;
          // Editors write in several steps; read once they settle.
          if (this.debounce) clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.reload(), 50);
          this.debounce.unref();
        });
        this.watcher.on('error', (e) => this.logger?.warn({ err: e.message }, 'watching the rule file failed; polling continues'));
      } catch (e) {
        this.logger?.warn({ err: (e as Error).message }, 'cannot watch the rule file; polling only');
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
    if (this.debounce) clearTimeout(this.debounce);
  }
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
