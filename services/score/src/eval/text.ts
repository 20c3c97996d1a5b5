/** Accuracy and F1 of the text models on a split of the labelled data. */
import { SENTIMENT_CLASSES, type SentimentModel } from '../models/sentiment/model';
import type { SpamModel } from '../models/spam/model';
import { viewText, type Language } from '../text/tokenize';
import { exampleEvent, LANGUAGES, sentimentExamples, spamExamples, type Split } from './data';
import { classificationFigures, type Figures } from './metrics';

export function evaluateSentiment(model: SentimentModel, split: Split = 'test', dir?: string): Record<Language | 'all', Figures> {
  const truth: string[] = [];
  const predicted: string[] = [];
  const out = {} as Record<Language | 'all', Figures>;
  for (const lang of LANGUAGES) {
    const xs = sentimentExamples(split, lang, dir);
    const p = xs.map((x) => model.predict(viewText(x.text, undefined, lang)).label);
    out[lang] = classificationFigures(xs.map((x) => x.label), p, SENTIMENT_CLASSES);
    truth.push(...xs.map((x) => x.label));
    predicted.push(...p);
  }
  out.all = classificationFigures(truth, predicted, SENTIMENT_CLASSES);
  return out;
}

export function evaluateSpam(model: SpamModel, split: Split = 'test', dir?: string): Record<Language | 'all', Figures> {
  const truth: string[] = [];
  const predicted: string[] = [];
  const out = {} as Record<Language | 'all', Figures>;
  for (const lang of LANGUAGES) {
    const xs = spamExamples(split, lang, dir);
    const p = xs.map((x, i) => (model.probability(model.features(viewText(x.text, undefined, lang), exampleEvent(x, `x${i}`))) >= model.file.threshold ? 'spam' : 'ham'));
    out[lang] = classificationFigures(xs.map((x) => x.label), p, ['spam', 'ham']);
    truth.push(...xs.map((x) => x.label));
    predicted.push(...p);
  }
  out.all = classificationFigures(truth, predicted, ['spam', 'ham']);
  return out;
}
