import { DEFAULT_MODEL_DIR } from '../stage/definition';
import { loadModelSet } from '../models/registry';
import { evaluateSentiment, evaluateSpam } from './text';
import { evaluateAnomaly, TEST_SEEDS, TRAIN_SEEDS } from './anomaly';
import { LANGUAGES, sentimentExamples, spamExamples } from './data';

// Minimum figures on the test split (README.md shows the current ones; these leave a small margin).
describe('model quality on held-out data', () => {
  test('train and test splits share no example', () => {
    for (const lang of LANGUAGES) {
      const train = new Set(sentimentExamples('train', lang).map((x) => x.text));
      expect(sentimentExamples('test', lang).filter((x) => train.has(x.text))).toEqual([]);
      const spamTrain = new Set(spamExamples('train', lang).map((x) => x.text));
      expect(spamExamples('test', lang).filter((x) => spamTrain.has(x.text))).toEqual([]);
      expect(sentimentExamples('test', lang).length).toBeGreaterThanOrEqual(100);
    }
    expect(TEST_SEEDS.filter((s) => TRAIN_SEEDS.includes(s))).toEqual([]);
  });

  test('sentiment: accuracy and macro F1 per language', async () => {
    const r = evaluateSentiment((await loadModelSet(DEFAULT_MODEL_DIR)).sentiment, 'test');
    for (const lang of ['en', 'ar'] as const) {
      expect(r[lang].accuracy).toBeGreaterThanOrEqual(0.85);
      expect(r[lang].macroF1).toBeGreaterThanOrEqual(0.85);
    }
  });

  test('spam: accuracy and F1 of the spam class per language', async () => {
    const r = evaluateSpam((await loadModelSet(DEFAULT_MODEL_DIR)).spam, 'test');
    for (const lang of ['en', 'ar'] as const) {
      expect(r[lang].accuracy).toBeGreaterThanOrEqual(0.93);
      expect(r[lang].perClass.spam.f1).toBeGreaterThanOrEqual(0.85);
    }
  });

  test('anomaly detector: precision and recall on synthetic series with injected spikes', () => {
    const f = evaluateAnomaly({ seeds: TEST_SEEDS, threshold: 4, minCount: 5 });
    expect(f.spikes).toBe(120);
    expect(f.precision).toBeGreaterThanOrEqual(0.9);
    expect(f.recall).toBeGreaterThanOrEqual(0.9);
  });
});
