/**
 * Offline training of the sentiment model: multinomial logistic regression per language over the features
 * of models/sentiment/features.ts, with an L2 penalty that pulls each weight towards its lexicon prior
 * (so a lexicon word the training data never shows keeps its prior). Hyper-parameters are chosen by
 * 5-fold cross-validation on the train split only.
 */
import { SENTIMENT_CLASSES, SentimentModel, type SentimentFile } from '../models/sentiment/model';
import { candidates, NEGATOR_FEATURE, sentimentFeatures, type LanguageRules } from '../models/sentiment/features';
import { viewText, type Language } from '../text/tokenize';
import type { LanguageWordLists, SentimentExample } from '../eval/data';
import { classificationFigures } from '../eval/metrics';

export interface SentimentTrainParams {
  /** L2 strength towards the prior. */
  lambda: number;
  /** Scale of the lexicon polarity in the prior. */
  priorScale: number;
  /** Training tokens seen fewer times than this are not features. */
  minCount: number;
  epochs: number;
  learningRate: number;
}

export const DEFAULT_SENTIMENT_TRAIN: SentimentTrainParams = { lambda: 0.01, priorScale: 1, minCount: 2, epochs: 300, learningRate: 0.5 };

type Triple = [number, number, number];
export type LanguageWeights = SentimentFile['languages']['en'];

const NEGATED_FACTOR = 0.6; // the same damping the model applies to a negated word it has no weights for

function priorOf(feature: string, lexicon: Map<string, number>, scale: number): Triple {
  const negated = feature.startsWith('NOT_');
  const p = lexicon.get(negated ? feature.slice(4) : feature);
  if (p === undefined) return [0, 0, 0];
  const base: Triple = [scale * Math.max(0, -p), 0, scale * Math.max(0, p)];
  return negated ? [base[2] * NEGATED_FACTOR, 0, base[0] * NEGATED_FACTOR] : base;
}

export function trainSentimentLanguage(
  examples: readonly SentimentExample[],
  language: Language,
  lexicon: Map<string, number>,
  lists: LanguageWordLists,
  params: SentimentTrainParams = DEFAULT_SENTIMENT_TRAIN,
): LanguageWeights {
  const rules: LanguageRules = { negators: new Set(lists.negators), intensifiers: new Set(lists.intensifiers), contrasts: new Set(lists.contrasts) };
  const views = examples.map((x) => viewText(x.text, undefined, language));

  // Vocabulary: the lexicon plus training tokens seen at least minCount times.
  const counts = new Map<string, number>();
  for (const v of views) for (const t of v.tokens) if (t !== '.' && t !== '!' && t !== '?') counts.set(t, (counts.get(t) ?? 0) + 1);
  const vocab = new Set(lexicon.keys());
  for (const [t, c] of counts) if (c >= params.minCount && !rules.negators.has(t) && !rules.intensifiers.has(t) && !rules.contrasts.has(t)) vocab.add(t);
  vocab.add('!');
  vocab.add('?');
  vocab.add(NEGATOR_FEATURE);
  const resolve = (w: string) => candidates(w, language).find((c) => vocab.has(c));

  const rows = views.map((v) => sentimentFeatures(v.tokens, language, rules, resolve));
  const y = examples.map((x) => SENTIMENT_CLASSES.indexOf(x.label));

  const index = new Map<string, number>();
  for (const f of vocab) index.set(f, index.size);
  for (const r of rows) for (const f of r.keys()) if (!index.has(f)) index.set(f, index.size);
  const F = index.size;
  const W = new Float64Array(F * 3);
  const W0 = new Float64Array(F * 3);
  for (const [f, i] of index) {
    const p = priorOf(f, lexicon, params.priorScale);
    for (let c = 0; c < 3; c++) W[i * 3 + c] = W0[i * 3 + c] = p[c];
  }
  const bias = [0, 1, 0];
  const sparse = rows.map((r) => [...r].map(([f, v]) => [index.get(f)!, v] as const));
  const N = examples.length;
  const grad = new Float64Array(F * 3);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    grad.fill(0);
    const gb = [0, 0, 0];
    for (let n = 0; n < N; n++) {
      const z = [bias[0], bias[1], bias[2]];
      for (const [i, v] of sparse[n]) for (let c = 0; c < 3; c++) z[c] += v * W[i * 3 + c];
      const m = Math.max(...z);
      const e = z.map((x) => Math.exp(x - m));
      const s = e[0] + e[1] + e[2];
      for (let c = 0; c < 3; c++) {
        const g = e[c] / s - (y[n] === c ? 1 : 0);
        gb[c] += g / N;
        for (const [i, v] of sparse[n]) grad[i * 3 + c] += (v * g) / N;
      }
    }
    for (let k = 0; k < W.length; k++) W[k] -= params.learningRate * (grad[k] + params.lambda * (W[k] - W0[k]));
    for (let c = 0; c < 3; c++) bias[c] -= params.learningRate * gb[c];
  }

  const weights: Record<string, Triple> = {};
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  for (const [f, i] of index) weights[f] = [r4(W[i * 3]), r4(W[i * 3 + 1]), r4(W[i * 3 + 2])];
  return { bias: [r4(bias[0]), r4(bias[1]), r4(bias[2])], negators: lists.negators, intensifiers: lists.intensifiers, contrasts: lists.contrasts, weights };
}

/** Macro F1 of k-fold cross-validation on the given (train) examples. */
export function crossValidate(examples: readonly SentimentExample[], language: Language, lexicon: Map<string, number>, lists: LanguageWordLists, params: SentimentTrainParams, folds = 5): number {
  let f1 = 0;
  for (let k = 0; k < folds; k++) {
    const train = examples.filter((_, i) => i % folds !== k);
    const held = examples.filter((_, i) => i % folds === k);
    const weights = trainSentimentLanguage(train, language, lexicon, lists, params);
    const model = modelOf('0.0.0', { [language]: weights, [language === 'en' ? 'ar' : 'en']: weights } as Record<Language, LanguageWeights>);
    const predicted = held.map((x) => model.predict(viewText(x.text, undefined, language)).label);
    f1 += classificationFigures(held.map((x) => x.label), predicted, SENTIMENT_CLASSES).macroF1;
  }
  return f1 / folds;
}

export function modelOf(version: string, languages: Record<Language, LanguageWeights>, trainedOn?: Record<string, unknown>): SentimentModel {
  const file: SentimentFile = { model: 'sentiment', version, kind: 'logistic-regression', classes: ['negative', 'neutral', 'positive'], trainedOn, languages };
  return new SentimentModel(file);
}

export const SENTIMENT_GRID: ReadonlyArray<Pick<SentimentTrainParams, 'lambda' | 'priorScale'>> = [0.003, 0.01, 0.03, 0.1].flatMap((lambda) => [0.5, 1, 1.5].map((priorScale) => ({ lambda, priorScale })));
