/**
 * `pnpm train [--version x.y.z] [--out dir]`: trains the sentiment and spam models on the train split of
 * data/ (hyper-parameters by cross-validation on that split only) and writes `<model>@<version>.json`
 * into the model directory, where a running score process picks them up (hot swap).
 * With --anomaly-grid it also prints the anomaly detector's figures on the train seeds for a grid of
 * parameters (the defaults in models/stream/entity.ts were chosen from it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MODEL_DIR } from './stage/definition';
import { LANGUAGES, readLexicon, readSpamTerms, readWordLists, sentimentExamples, spamExamples } from './eval/data';
import { crossValidate, DEFAULT_SENTIMENT_TRAIN, SENTIMENT_GRID, trainSentimentLanguage, type LanguageWeights } from './train/sentiment';
import { crossValidateSpam, DEFAULT_SPAM_TRAIN, SPAM_GRID, trainSpam } from './train/spam';
import { evaluateAnomaly, TRAIN_SEEDS } from './eval/anomaly';
import { DEFAULT_STREAM_PARAMS } from './models/stream/entity';
import type { Language } from './text/tokenize';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const version = arg('version') ?? '1.0.0';
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`--version ${version}: expected a version like 1.2.3`);
  const out = arg('out') ?? DEFAULT_MODEL_DIR;
  const lists = readWordLists();

  const languages = {} as Record<Language, LanguageWeights>;
  const chosen: Record<string, unknown> = {};
  for (const lang of LANGUAGES) {
    const train = sentimentExamples('train', lang);
    const lexicon = readLexicon(lang);
    let best = { f1: -1, params: DEFAULT_SENTIMENT_TRAIN };
    for (const g of SENTIMENT_GRID) {
      const params = { ...DEFAULT_SENTIMENT_TRAIN, ...g };
      const f1 = crossValidate(train, lang, lexicon, lists[lang], params);
      if (f1 > best.f1) best = { f1, params };
    }
    console.log(`sentiment ${lang}: lambda=${best.params.lambda} priorScale=${best.params.priorScale} cross-validated macro F1 ${best.f1.toFixed(3)} (${train.length} train examples)`);
    languages[lang] = trainSentimentLanguage(train, lang, lexicon, lists[lang], best.params);
    chosen[lang] = { examples: train.length, lambda: best.params.lambda, priorScale: best.params.priorScale, cvMacroF1: Math.round(best.f1 * 1000) / 1000 };
  }
  const sentimentFile = { model: 'sentiment', version, kind: 'logistic-regression', classes: ['negative', 'neutral', 'positive'], trainedOn: { split: 'train', ...chosen }, languages };

  const terms = readSpamTerms();
  const spamTrain = LANGUAGES.flatMap((l) => spamExamples('train', l));
  let bestSpam = { f1: -1, lambda: DEFAULT_SPAM_TRAIN.lambda };
  for (const lambda of SPAM_GRID) {
    const f1 = crossValidateSpam(spamTrain, terms, { ...DEFAULT_SPAM_TRAIN, lambda });
    if (f1 > bestSpam.f1) bestSpam = { f1, lambda };
  }
  console.log(`spam: lambda=${bestSpam.lambda} cross-validated F1 ${bestSpam.f1.toFixed(3)} (${spamTrain.length} train examples)`);
  const spam = trainSpam(spamTrain, terms, { ...DEFAULT_SPAM_TRAIN, lambda: bestSpam.lambda });
  const spamFile = { model: 'spam', version, kind: 'logistic-regression', bias: spam.bias, weights: spam.weights, terms, threshold: 0.5, trainedOn: { split: 'train', examples: spamTrain.length, lambda: bestSpam.lambda, cvF1: Math.round(bestSpam.f1 * 1000) / 1000 } };

  fs.mkdirSync(out, { recursive: true });
  // Written under a temporary name and renamed, so a watching score process never reads half a file.
  for (const [name, file] of [['sentiment', sentimentFile], ['spam', spamFile]] as const) {
    const target = path.join(out, `${name}@${version}.json`);
    fs.writeFileSync(`${target}.tmp`, `${JSON.stringify(file)}\n`);
    fs.renameSync(`${target}.tmp`, target);
    console.log(`wrote ${target}`);
  }

  if (process.argv.includes('--anomaly-grid')) {
    for (const alpha of [0.02, 0.05, 0.1]) {
      for (const clampZ of [2, 3, 4]) {
        for (const warmupBuckets of [10, 30]) {
          const f = evaluateAnomaly({ seeds: TRAIN_SEEDS, threshold: 4, minCount: 5, params: { ...DEFAULT_STREAM_PARAMS, alpha, clampZ, warmupBuckets } });
          console.log(`anomaly alpha=${alpha} clampZ=${clampZ} warmup=${warmupBuckets}: precision ${f.precision.toFixed(3)} recall ${f.recall.toFixed(3)} F1 ${f.f1.toFixed(3)}`);
        }
      }
    }
  }
}

main();
