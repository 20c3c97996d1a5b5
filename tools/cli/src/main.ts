#!/usr/bin/env node
import { run } from './program';

// Ctrl-C ends `lag --watch` cleanly; a second one exits at once.
const abort = new AbortController();
process.once('SIGINT', () => {
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});

// Exit once stdout is flushed (a piped report must not be cut short), whatever client handles linger.
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

run(process.argv.slice(2), undefined, abort.signal).then(exit, (e: Error) => {
  process.stderr.write(`sluice: ${e.message}\n`);
  exit(1);
});
