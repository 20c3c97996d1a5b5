/**
 * Offline training of the spam model: binary logistic regression (L2 on the weights, not the bias) over
 * SPAM_FEATURES, with the penalty chosen by 5-fold cross-validation on the train split.
 */
import { SPAM_FEATURE_NAMES, SpamModel, type SpamFile } from '../models/spam/model';
import { viewText } from '../text/tokenize';
import { exampleEvent, type SpamExample } from '../eval/data';
import { classificationFigures } from '../eval/metrics';

export interface SpamTrainParams {
  lambda: number;
  epochs: number;
  learningRate: number;
}

export const DEFAULT_SPAM_TRAIN: SpamTrainParams = { lambda: 0.001, epochs: 3000, learningRate: 0.5 };
export const SPAM_GRID = [0.0001, 0.001, 0.003, 0.01, 0.03];

export function spamModelOf(version: string, terms: string[], bias: number, weights: Record<string, number>, trainedOn?: Record<string, unknown>): SpamModel {
  const file: SpamFile = { model: 'spam', version, kind: 'logistic-regression', bias, weights, terms, threshold: 0.5, trainedOn };
  return new SpamModel(file);
}

export function featureRows(examples: readonly SpamExample[], terms: string[]): Float64Array[] {
  const zero = Object.fromEntries(SPAM_FEATURE_NAMES.map((f) => [f, 0]));
  const featurizer = spamModelOf('0.0.0', terms, 0, zero);
  return examples.map((x) => featurizer.features(viewText(x.text, undefined, x.language), exampleEvent(x)));
}

export function trainSpam(examples: readonly SpamExample[], terms: string[], params: SpamTrainParams = DEFAULT_SPAM_TRAIN): { bias: number; weights: Record<string, number> } {
  const X = featureRows(examples, terms);
  const y = examples.map((x) => (x.label === 'spam' ? 1 : 0));
  const F = SPAM_FEATURE_NAMES.length;
  const w = new Float64Array(F);
  let b = 0;
  const N = X.length;
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const g = new Float64Array(F);
    let gb = 0;
    for (let n = 0; n < N; n++) {
      let z = b;
      for (let j = 0; j < F; j++) z += w[j] * X[n][j];
      const err = 1 / (1 + Math.exp(-z)) - y[n];
      gb += err / N;
      for (let j = 0; j < F; j++) g[j] += (err * X[n][j]) / N;
    }
    for (let j = 0; j < F; j++) w[j] -= params.learningRate * (g[j] + params.lambda * w[j]);
    b -= params.learningRate * gb;
  }
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { bias: r4(b), weights: Object.fromEntries(SPAM_FEATURE_NAMES.map((f, j) => [f, r4(w[j])])) };
}

/** F1 of the spam class under k-fold cross-validation on the given (train) examples. */
export function crossValidateSpam(examples: readonly SpamExample[], terms: string[], params: SpamTrainParams, folds = 5): number {
  let f1 = 0;
  for (let k = 0; k < folds; k++) {
    const train = examples.filter((_, i) => i % folds !== k);
    const held = examples.filter((_, i) => i % folds === k);
    const { bias, weights } = trainSpam(train, terms, params);
    const model = spamModelOf('0.0.0', terms, bias, weights);
    const X = featureRows(held, terms);
    const predicted = X.map((x) => (model.probability(x) >= 0.5 ? 'spam' : 'ham'));
    f1 += classificationFigures(held.map((x) => x.label), predicted, ['spam', 'ham'] as const).perClass.spam.f1;
  }
  return f1 / folds;
}
