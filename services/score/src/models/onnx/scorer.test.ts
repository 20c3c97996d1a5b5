/** @jest-environment ./services/score/test-env/onnx-environment.js */
import * as path from 'node:path';
import type { ScoredEvent } from '@sluice/contracts';
import { createLogger } from '@sluice/runtime';
import { ModelRegistry } from '../registry';
import { DEFAULT_STREAM_PARAMS } from '../stream/entity';
import { StreamStore } from '../stream/store';
import { parseRuleFile } from '../../rules/schema';
import { Scorer } from '../../stage/scorer';
import { DEFAULT_MODEL_DIR, PACKAGE_ROOT } from '../../stage/definition';
import { enrichedEvent, inRecord } from '../../testkit';
import { viewText } from '../../text/tokenize';
import { SPAM_FEATURE_NAMES } from '../spam/model';
import { fnv1a, loadOnnxRuntime, loadOnnxScorers, OnnxScorer, parseOnnxModels, type OnnxModelSpec } from './scorer';

const FIXTURES = path.join(PACKAGE_ROOT, 'fixtures');
const featuresSpec: OnnxModelSpec = {
  name: 'linear',
  version: '0.1.0',
  path: path.join(FIXTURES, 'linear-features.onnx'),
  input: { type: 'features', features: ['linkDensity', 'hashtagDensity', 'exactDuplicate'] },
};
const hashedSpec: OnnxModelSpec = { name: 'hashed', version: '0.2.0', path: path.join(FIXTURES, 'linear-hashed.onnx'), input: { type: 'hashed-tokens', dims: 16 }, labels: ['a', 'b'] };

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('ONNX scorers', () => {
  test('onnxruntime-node is installed here', () => {
    expect(loadOnnxRuntime().ort).not.toBeNull();
  });

  test('a linear model over named features scores a batch like the same formula in JS', async () => {
    const [scorer] = await loadOnnxScorers([featuresSpec]);
    const events = [
      enrichedEvent({ text: 'plain words only here' }),
      enrichedEvent({ text: 'buy http://x.example #a #b', duplicate: true }),
      enrichedEvent({ text: 'two links http://a.example http://b.example' }),
    ];
    const models = await ModelRegistry.open(DEFAULT_MODEL_DIR);
    const inputs = events.map((e) => {
      const view = viewText(e.enrichment.normalizedText!);
      const spamFeatures = models.current.spam.features(view, e);
      return { view, spamFeatures, sentiment: 0, spam: 0 };
    });
    const scores = await scorer.scoreBatch(inputs);
    const idx = (f: string) => SPAM_FEATURE_NAMES.indexOf(f as never);
    scores.forEach((s, i) => {
      const x = inputs[i].spamFeatures;
      const expected = sigmoid(2 * x[idx('linkDensity')] + 1.5 * x[idx('hashtagDensity')] + 3 * x[idx('exactDuplicate')] - 2);
      expect(s).toMatchObject({ model: 'linear', version: '0.1.0', label: null });
      expect(s.score).toBeCloseTo(expected, 5);
    });
    expect(scores[1].score).toBeGreaterThan(scores[0].score);
    await scorer.close();
  });

  test('a classifier over hashed tokens gives the label of the highest class and every class in details', async () => {
    const [scorer] = await loadOnnxScorers([hashedSpec]);
    const view = viewText('alpha beta gamma');
    const [s] = await scorer.scoreBatch([{ view, spamFeatures: new Float64Array(SPAM_FEATURE_NAMES.length), sentiment: 0, spam: 0 }]);
    // The same model in JS: logits = counts · W + b, W[i] = [0.1 (i % 4), -0.1 (i % 3)], b = [0, 0.2].
    const z = [0, 0.2];
    for (const t of view.tokens) {
      const i = fnv1a(t) % 16;
      z[0] += 0.1 * (i % 4);
      z[1] -= 0.1 * (i % 3);
    }
    const e = z.map(Math.exp);
    const p = e.map((v) => v / (e[0] + e[1]));
    expect(s.details!.a).toBeCloseTo(p[0], 5);
    expect(s.details!.b).toBeCloseTo(p[1], 5);
    expect(s.label).toBe(p[0] >= p[1] ? 'a' : 'b');
    await scorer.close();
  });

  test('the handler runs configured ONNX scorers once per batch and puts their scores on every record', async () => {
    const onnx = await loadOnnxScorers([featuresSpec, hashedSpec]);
    const models = await ModelRegistry.open(DEFAULT_MODEL_DIR);
    const store = new StreamStore({ params: DEFAULT_STREAM_PARAMS, seasonalTypes: new Set(), maxEntities: 100 });
    const rules = parseRuleFile('rules:\n  - id: byo\n    type: threshold\n    severity: INFO\n    model: linear\n    min: 0.5\n', 'r.yaml');
    const s = new Scorer({ models, rules: { take: () => ({ rules, changed: false }) }, onnx, store, checkpointIntervalMs: 60_000, maxKeywords: 20 });
    const out = await s.handle([inRecord(enrichedEvent({ text: 'hello there' }), 0, 0), inRecord(enrichedEvent({ id: 'dup', text: 'buy now http://x.example', duplicate: true }), 0, 1)]);
    const scored = out.produce.filter((p) => p.topic === 'scored').map((p) => p.value as ScoredEvent);
    for (const v of scored) expect(v.scores!.map((x) => x.model)).toEqual(['sentiment', 'spam', 'anomaly', 'trend', 'linear', 'hashed']);
    expect(scored[0].processingVersion).toMatch(/,linear@0\.1\.0,hashed@0\.2\.0$/);
    const alerts = out.produce.filter((p) => p.topic === 'alerts');
    expect(alerts.map((a) => (a.value as { evidence: { eventIds: string[] } }).evidence.eventIds[0])).toEqual(['dup']);
    for (const o of onnx) await o.close();
  });

  test('SCORE_ONNX_MODELS is validated with the entry and field named', () => {
    expect(parseOnnxModels('')).toEqual([]);
    expect(parseOnnxModels(JSON.stringify([featuresSpec]))[0].name).toBe('linear');
    expect(() => parseOnnxModels('[{')).toThrow(/^SCORE_ONNX_MODELS: not valid JSON/);
    expect(() => parseOnnxModels(JSON.stringify([{ ...featuresSpec, input: { type: 'features', features: ['nope'] } }]))).toThrow(/field "\[0\]\.input\.features\[0\]"/);
    expect(() => parseOnnxModels(JSON.stringify([{ ...featuresSpec, name: 'spam' }]))).toThrow(/model name "spam" is taken/);
  });

  test('a missing model file fails with the path named', async () => {
    const { ort } = loadOnnxRuntime();
    await expect(OnnxScorer.load(ort!, { ...featuresSpec, path: '/nowhere/model.onnx' })).rejects.toThrow(/ONNX model linear@0\.1\.0 at \/nowhere\/model\.onnx cannot be loaded/);
  });

  test('without onnxruntime-node the scorers are skipped with an error logged, and nothing else fails', async () => {
    const lines: string[] = [];
    const logger = createLogger('onnx-test', 'error');
    const errorSpy = jest.spyOn(logger, 'error').mockImplementation(((obj: unknown, msg?: string) => void lines.push(`${msg} ${JSON.stringify(obj)}`)) as never);
    await jest.isolateModulesAsync(async () => {
      jest.doMock('onnxruntime-node', () => {
        throw new Error("Cannot find module 'onnxruntime-node'");
      });
      const isolated = (await import('./scorer')) as typeof import('./scorer');
      expect(isolated.loadOnnxRuntime()).toEqual({ ort: null, error: "Cannot find module 'onnxruntime-node'" });
      expect(await isolated.loadOnnxScorers([featuresSpec], logger)).toEqual([]);
    });
    expect(lines.join('\n')).toMatch(/ONNX scorers unavailable: onnxruntime-node is not installed.*linear@0\.1\.0/);
    errorSpy.mockRestore();
  });
});
