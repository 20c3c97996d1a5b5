/**
 * Sentiment for Arabic and English: a three-class logistic regression (negative, neutral, positive) over
 * the features of ./features.ts. Its weights are trained offline by `pnpm train` (src/train.ts) from a
 * hand-written lexicon (the prior) and the train split of data/sentiment, and shipped as a JSON file.
 */
import { z } from 'zod';
import type { ModelScore } from '@sluice/contracts';
import type { Language, TextView } from '../../text/tokenize';
import { candidates, featuresByRole, wordRole, type LanguageRules, type WordRole } from './features';

export const SENTIMENT_CLASSES = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENT_CLASSES)[number];

const triple = z.tuple([z.number(), z.number(), z.number()]);
const languageSchema = z.object({
  bias: triple,
  negators: z.array(z.string()),
  intensifiers: z.array(z.string()),
  contrasts: z.array(z.string()),
  /** Feature -> [negative, neutral, positive] weights. */
  weights: z.record(z.string(), triple),
});

export const sentimentFileSchema = z.object({
  model: z.literal('sentiment'),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.2.3'),
  kind: z.literal('logistic-regression'),
  classes: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  trainedOn: z.record(z.string(), z.unknown()).optional(),
  languages: z.object({ ar: languageSchema, en: languageSchema }),
});
export type SentimentFile = z.infer<typeof sentimentFileSchema>;

export interface SentimentResult {
  label: SentimentLabel;
  /** P(positive) - P(negative), in [-1, 1]. */
  polarity: number;
  probs: [number, number, number];
}

interface LanguageModel {
  bias: [number, number, number];
  weights: Map<string, [number, number, number]>;
  rules: LanguageRules;
  /** Word form -> its role (negator, intensifier, contrast, feature after stemming): one lookup per token. */
  roles: Map<string, WordRole>;
  roleOf: (word: string) => WordRole;
}

// Bound of the role cache per language (cleared when full).
const RESOLVE_CACHE_MAX = 200_000;
const NO_ROLE: WordRole = { negator: false, intensifier: false, contrast: false, feature: undefined, notFeature: undefined };

export class SentimentModel {
  readonly name = 'sentiment';
  readonly version: string;
  private readonly langs: Record<Language, LanguageModel>;
  /** Reused by predict(): the features of one text are consumed before the next is read. */
  private readonly scratch = new Map<string, number>();

  constructor(readonly file: SentimentFile) {
    this.version = file.version;
    const build = (l: SentimentFile['languages']['en'], language: Language): LanguageModel => {
      const m: LanguageModel = {
        bias: l.bias,
        weights: new Map(Object.entries(l.weights)),
        rules: { negators: new Set(l.negators), intensifiers: new Set(l.intensifiers), contrasts: new Set(l.contrasts) },
        roles: new Map(),
        roleOf: () => NO_ROLE,
      };
      const resolve = this.resolver(m, language);
      m.roleOf = (w) => {
        let role = m.roles.get(w);
        if (role === undefined) {
          role = wordRole(w, language, m.rules, resolve);
          if (m.roles.size >= RESOLVE_CACHE_MAX) m.roles.clear();
          m.roles.set(w, role);
        }
        return role;
      };
      return m;
    };
    this.langs = { ar: build(file.languages.ar, 'ar'), en: build(file.languages.en, 'en') };
  }

  static parse(json: unknown, where: string): SentimentModel {
    const r = sentimentFileSchema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${where}: field "${issue.path.join('.') || '(file)'}": ${issue.message}`);
    }
    return new SentimentModel(r.data);
  }

  /** The model's feature for a word form: the first of its stemming candidates the weights know. */
  private resolver(m: LanguageModel, language: Language): (w: string) => string | undefined {
    return (w) => {
      for (const c of candidates(w, language)) if (m.weights.has(c)) return c;
      return undefined;
    };
  }

  predict(view: TextView): SentimentResult {
    const m = this.langs[view.language];
    const feats = featuresByRole(view.tokens, view.language, m.roleOf, this.scratch);
    let z0 = m.bias[0];
    let z1 = m.bias[1];
    let z2 = m.bias[2];
    for (const [f, v] of feats) {
      let w = m.weights.get(f);
      // A negated word the training data never showed negated: its polarity flipped and damped.
      if (!w && f.startsWith('NOT_')) {
        const base = m.weights.get(f.slice(4));
        if (base) w = [base[2] * 0.6, 0, base[0] * 0.6];
      }
      if (!w) continue;
      z0 += v * w[0];
      z1 += v * w[1];
      z2 += v * w[2];
    }
    const max = Math.max(z0, z1, z2);
    const e0 = Math.exp(z0 - max);
    const e1 = Math.exp(z1 - max);
    const e2 = Math.exp(z2 - max);
    const s = e0 + e1 + e2;
    const probs: [number, number, number] = [e0 / s, e1 / s, e2 / s];
    const k = probs[0] >= probs[1] ? (probs[0] >= probs[2] ? 0 : 2) : probs[1] >= probs[2] ? 1 : 2;
    return { label: SENTIMENT_CLASSES[k], polarity: probs[2] - probs[0], probs };
  }

  toScore(r: SentimentResult): ModelScore {
    return {
      model: this.name,
      version: this.version,
      label: r.label,
      score: round(r.polarity),
      details: { negative: round(r.probs[0]), neutral: round(r.probs[1]), positive: round(r.probs[2]) },
    };
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
export const round = (x: number, digits = 4): number => {
  const f = POW10[digits] ?? 10 ** digits;
  return Math.round(x * f) / f;
};
