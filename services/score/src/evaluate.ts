/**
 * `pnpm evaluate [--model-dir dir] [--json]`: quality of the models in force, on data they were not
 * trained or tuned on: accuracy and F1 of sentiment and spam on the test split of data/, and precision and
 * recall of the anomaly detector on synthetic series (test seeds) with injected spikes.
 */
import { DEFAULT_MODEL_DIR } from './stage/definition';
import { loadModelSet } from './models/registry';
import { evaluateSentiment, evaluateSpam } from './eval/text';
import { evaluateAnomaly, TEST_SEEDS } from './eval/anomaly';
import { DEFAULT_STREAM_PARAMS } from './models/stream/entity';

export async function evaluateAll(modelDir = DEFAULT_MODEL_DIR) {
  const models = await loadModelSet(modelDir);
  return {
    sentiment: { model: `sentiment@${models.sentiment.version}`, ...evaluateSentiment(models.sentiment, 'test') },
    spam: { model: `spam@${models.spam.version}`, ...evaluateSpam(models.spam, 'test') },
    anomaly: {
      atZ4: evaluateAnomaly({ seeds: TEST_SEEDS, threshold: 4, minCount: 0, params: DEFAULT_STREAM_PARAMS }),
      atZ4MinCount5: evaluateAnomaly({ seeds: TEST_SEEDS, threshold: 4, minCount: 5, params: DEFAULT_STREAM_PARAMS }),
    },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const i = process.argv.indexOf('--model-dir');
  const r = await evaluateAll(i >= 0 ? process.argv[i + 1] : undefined);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  console.log(`| model | data (test split) | n | accuracy | F1 |`);
  console.log(`|---|---|---|---|---|`);
  for (const lang of ['en', 'ar', 'all'] as const) {
    const f = r.sentiment[lang];
    console.log(`| ${r.sentiment.model} | ${lang} | ${f.n} | ${pct(f.accuracy)} | ${pct(f.macroF1)} (macro) |`);
  }
  for (const lang of ['en', 'ar', 'all'] as const) {
    const f = r.spam[lang];
    console.log(`| ${r.spam.model} | ${lang} | ${f.n} | ${pct(f.accuracy)} | ${pct(f.perClass.spam.f1)} (spam class) |`);
  }
  console.log('');
  console.log(`| anomaly detector (test seeds) | series | spikes | alarms | precision | recall | F1 |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const [name, f] of [['z >= 4', r.anomaly.atZ4], ['z >= 4 and >= 5 events', r.anomaly.atZ4MinCount5]] as const) {
    console.log(`| ${name} | ${f.series} | ${f.spikes} | ${f.alarms} | ${pct(f.precision)} | ${pct(f.recall)} | ${pct(f.f1)} |`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
