import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A child process keeps a growing live set and allocates garbage around it, as a stage does, and reports
 * its largest heap. With applyHeapGrowth the heap must stay well below what V8's own growth factor lets it
 * reach.
 */
const CHILD = `
const { applyHeapGrowth } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'stage', 'main.js'))});
applyHeapGrowth(Number(process.argv[1]));
const live = [];
for (let i = 0; i < 300000; i++) live.push({ a: i, s: 'x' + i });
let peak = 0;
for (let r = 0; r < 400; r++) {
  const garbage = [];
  for (let i = 0; i < 20000; i++) garbage.push({ i, s: 'y' + i, pair: [i, i] });
  if (r % 7 === 0) live.push(garbage);
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(String(peak));
`;

async function peakHeap(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', CHILD, String(percent)], { timeout: 60_000 });
  return Number(stdout);
}

describe('SLUICE_HEAP_GROWING_PERCENT', () => {
  test("bounds the heap's growth past the live set: a far smaller peak than V8's own factor allows", async () => {
    const [own, bounded] = await Promise.all([peakHeap(0), peakHeap(30)]);
    expect(own).toBeGreaterThan(100 * 1024 * 1024);
    expect(bounded).toBeLessThan(own * 0.8);
  }, 60_000);
});
