import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RULES_FILE } from '../stage/definition';
import { parseRuleFile, RuleFileError } from './schema';
import { RuleSource } from './source';

const GOOD = `rules:
  - id: spike
    type: anomaly
    severity: HIGH
    entityTypes: [keyword]
    minScore: 4
`;

function refusal(text: string): RuleFileError {
  try {
    parseRuleFile(text, 'rules.yaml');
  } catch (e) {
    if (e instanceof RuleFileError) return e;
    throw e;
  }
  throw new Error('the file was accepted');
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rule file', () => {
  test('the shipped default rules are valid', async () => {
    const set = parseRuleFile(await fsp.readFile(DEFAULT_RULES_FILE, 'utf8'), DEFAULT_RULES_FILE);
    expect(set.rules.map((r) => r.type).sort()).toEqual(expect.arrayContaining(['anomaly', 'burst', 'threshold', 'trend']));
    const burst = set.rules.find((r) => r.type === 'burst');
    expect(burst).toMatchObject({ window: 600_000, minCount: 5 });
  });

  test('each rule gets a version that changes only when that rule changes', () => {
    const a = parseRuleFile(GOOD, 'a');
    const b = parseRuleFile(`${GOOD}  - id: other\n    type: burst\n    severity: LOW\n    minCount: 3\n    window: 1h\n`, 'b');
    expect(b.rules[0].version).toBe(a.rules[0].version);
    expect(parseRuleFile(GOOD.replace('minScore: 4', 'minScore: 5'), 'c').rules[0].version).not.toBe(a.rules[0].version);
    expect(a.version).not.toBe(b.version);
  });

  test('a wrong value is refused naming its line and field', () => {
    const e = refusal(GOOD.replace('minScore: 4', 'minScore: high'));
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/^rules\.yaml line 6: field "rules\[0\]\.minScore": .*number/);
  });

  test('an unknown field is refused at the line of that field', () => {
    const e = refusal(GOOD.replace('    minScore: 4\n', '    minScore: 4\n    minScroe: 5\n'));
    expect(e.line).toBe(7);
    expect(e.message).toContain('rules[0].minScroe');
  });

  test('a missing field is refused at the line of the rule that lacks it', () => {
    const e = refusal(`rules:\n  - id: ok\n    type: threshold\n    severity: LOW\n    model: spam\n    min: 0.9\n  - id: broken\n    type: burst\n    severity: LOW\n    window: 10m\n`);
    expect(e.line).toBe(7);
    expect(e.message).toContain('rules[1].minCount');
  });

  test('a bad duration, an unknown rule type, a duplicate id and a YAML syntax error name their lines', () => {
    expect(refusal(`rules:\n  - id: b\n    type: burst\n    severity: LOW\n    minCount: 3\n    window: soon\n`)).toMatchObject({ line: 6 });
    expect(refusal(`rules:\n  - id: x\n    type: magic\n    severity: LOW\n`).line).toBe(3);
    expect(refusal(`${GOOD}${GOOD.slice('rules:\n'.length)}`)).toMatchObject({ line: 7 });
    const syntax = refusal(`rules:\n  - id: a\n    type: [unclosed\n`);
    expect(syntax.message).toMatch(/line \d+: not valid YAML/);
    expect(syntax.line).toBeGreaterThanOrEqual(3);
  });

  test('JSON rule files are read too', () => {
    const set = parseRuleFile(JSON.stringify({ rules: [{ id: 'j', type: 'threshold', severity: 'LOW', model: 'spam', min: 0.9 }] }), 'r.json');
    expect(set.rules[0]).toMatchObject({ id: 'j', entity: 'event', window: 3_600_000 });
  });
});

describe('rule file reload', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'score-rules-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  test('a changed file is picked up by the watcher and taken between batches', async () => {
    const file = path.join(dir, 'rules.yaml');
    await fsp.writeFile(file, GOOD);
    const source = await RuleSource.open(file);
    source.watch(0); // fs.watch only
    try {
      expect(source.take().changed).toBe(false);
      await fsp.writeFile(file, GOOD.replace('minScore: 4', 'minScore: 7'));
      await until(() => source.current.rules[0].type === 'anomaly' && (source.current.rules[0] as { minScore: number }).minScore === 7);
      const taken = source.take();
      expect(taken.changed).toBe(true);
      expect(source.take().changed).toBe(false);
    } finally {
      source.close();
    }
  });

  test('polling finds a change when no watch event comes', async () => {
    const file = path.join(dir, 'rules.yaml');
    await fsp.writeFile(file, GOOD);
    const source = await RuleSource.open(file);
    source.watch(50, false); // polling alone, as on file systems that do not notify
    try {
      await fsp.writeFile(file, GOOD.replace('id: spike', 'id: renamed'));
      await until(() => source.current.rules[0].id === 'renamed');
    } finally {
      source.close();
    }
  });

  test('a bad file is refused with its line; the last good rules stay in force until a good one comes', async () => {
    const file = path.join(dir, 'rules.yaml');
    await fsp.writeFile(file, GOOD);
    const source = await RuleSource.open(file);
    await fsp.writeFile(file, GOOD.replace('severity: HIGH', 'severity: URGENT'));
    expect(await source.reload()).toBe('refused');
    expect(source.lastError?.line).toBe(4);
    expect(source.lastError?.message).toContain(`${file} line 4: field "rules[0].severity"`);
    expect(source.take().changed).toBe(false);
    expect(source.current.rules[0]).toMatchObject({ id: 'spike', severity: 'HIGH' });
    await fsp.writeFile(file, GOOD.replace('severity: HIGH', 'severity: CRITICAL'));
    expect(await source.reload()).toBe('changed');
    expect(source.lastError).toBeNull();
    expect(source.take().rules.rules[0].severity).toBe('CRITICAL');
  });

  test('a bad file at startup is an error naming the line', async () => {
    const file = path.join(dir, 'rules.yaml');
    await fsp.writeFile(file, GOOD.replace('type: anomaly', 'type: anomaly\n    oops: 1'));
    await expect(RuleSource.open(file)).rejects.toThrow(`${file} line 4: field "rules[0].oops"`);
  });
});
