/**
 * Spam / bot likelihood of a post: logistic regression over documented features of the text and the
 * account. Weights are trained offline by `pnpm train` on the train split of data/spam and shipped as a
 * JSON file; README.md lists them.
 */
import { z } from 'zod';
import type { EnrichedEvent, ModelScore } from '@sluice/contracts';
import type { TextView } from '../../text/tokenize';
import { round } from '../sentiment/model';

/** Every feature, in vector order, with what it measures (the README table is generated from this). */
export const SPAM_FEATURES = [
  ['urls', 'links in the post, capped at 3'],
  ['linkDensity', 'links per word'],
  ['hashtags', 'hashtags, capped at 10, divided by 10'],
  ['hashtagDensity', 'hashtags per word'],
  ['mentions', 'mentions, capped at 10, divided by 10'],
  ['mentionDensity', 'mentions per word'],
  ['repeatedChars', '1 when one character repeats 4 or more times in a row'],
  ['upperRatio', 'share of capitals among Latin letters (texts with at least 10 of them)'],
  ['exclamations', 'exclamation marks, capped at 5, divided by 5'],
  ['digitRatio', 'share of digits among non-space characters'],
  ['spamTerms', 'spam phrases from the model file found in the text, capped at 3'],
  ['emojiDensity', 'emoji per word'],
  ['shortText', '1 when the post has fewer than 4 words'],
  ['exactDuplicate', '1 when enrich saw the same content within its duplicate window'],
  ['logFollowers', 'log10(1 + followers) / 7 (0 when unknown)'],
  ['followersUnknown', '1 when the follower count is unknown'],
  ['verified', '1 when the platform marks the account as verified'],
] as const;
export type SpamFeature = (typeof SPAM_FEATURES)[number][0];
export const SPAM_FEATURE_NAMES: readonly SpamFeature[] = SPAM_FEATURES.map((f) => f[0]);

export const spamFileSchema = z.object({
  model: z.literal('spam'),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a version like 1.2.3'),
  kind: z.literal('logistic-regression'),
  bias: z.number(),
  weights: z.record(z.string(), z.number()).refine((w) => SPAM_FEATURE_NAMES.every((f) => typeof w[f] === 'number'), {
    message: `expected a weight for every feature: ${SPAM_FEATURE_NAMES.join(', ')}`,
  }),
  /** Folded spam phrases (one or more words) counted by the spamTerms feature. */
  terms: z.array(z.string()),
  threshold: z.number().min(0).max(1).default(0.5),
  trainedOn: z.record(z.string(), z.unknown()).optional(),
});
export type SpamFile = z.infer<typeof spamFileSchema>;

export interface SpamAccount {
  followers?: number | null;
  verified?: boolean;
}

/** Feature vector of one post (SPAM_FEATURE_NAMES order). */
export function spamFeatures(view: TextView, account: SpamAccount, exactDuplicate: boolean, termCount: number, into?: Float64Array): Float64Array {
  const words = Math.max(1, view.words);
  const followers = account.followers;
  const v = into ?? new Float64Array(SPAM_FEATURE_NAMES.length);
  v[0] = Math.min(view.urls, 3);
  v[1] = Math.min(view.urls / words, 2);
  v[2] = Math.min(view.hashtags, 10) / 10;
  v[3] = Math.min(view.hashtags / words, 2);
  v[4] = Math.min(view.mentions, 10) / 10;
  v[5] = Math.min(view.mentions / words, 2);
  v[6] = view.longestRun >= 4 ? 1 : 0;
  v[7] = view.upperRatio * (view.chars >= 10 ? 1 : 0);
  v[8] = Math.min(view.exclamations, 5) / 5;
  v[9] = view.digitRatio;
  v[10] = Math.min(termCount, 3);
  v[11] = Math.min(view.emoji / words, 2);
  v[12] = view.words < 4 ? 1 : 0;
  v[13] = exactDuplicate ? 1 : 0;
  v[14] = followers === null || followers === undefined ? 0 : Math.log10(1 + Math.max(0, followers)) / 7;
  v[15] = followers === null || followers === undefined ? 1 : 0;
  v[16] = account.verified ? 1 : 0;
  return v;
}

export class SpamModel {
  readonly name = 'spam';
  readonly version: string;
  readonly weights: Float64Array;
  private readonly single = new Set<string>();
  private readonly phrases: string[][] = [];

  constructor(readonly file: SpamFile) {
    this.version = file.version;
    this.weights = Float64Array.from(SPAM_FEATURE_NAMES.map((f) => file.weights[f]));
    for (const t of file.terms) {
      const parts = t.split(/\s+/).filter(Boolean);
      if (parts.length === 1) this.single.add(parts[0]);
      else if (parts.length > 1) this.phrases.push(parts);
    }
  }

  static parse(json: unknown, where: string): SpamModel {
    const r = spamFileSchema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${where}: field "${issue.path.join('.') || '(file)'}": ${issue.message}`);
    }
    return new SpamModel(r.data);
  }

  /** Spam phrases in the token sequence. */
  countTerms(tokens: readonly string[]): number {
    let n = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (this.single.has(t)) n++;
      for (const p of this.phrases) {
        if (p[0] !== t) continue;
        let ok = true;
        for (let j = 1; j < p.length && ok; j++) ok = tokens[i + j] === p[j];
        if (ok) n++;
      }
    }
    return n;
  }

  /** Feature vector of a post (written into `into` when given). */
  features(view: TextView, event: EnrichedEvent, into?: Float64Array): Float64Array {
    return spamFeatures(view, event.event.author, event.enrichment.exactDuplicate === true, this.countTerms(view.tokens), into);
  }

  probability(x: Float64Array): number {
    let z = this.file.bias;
    for (let i = 0; i < x.length; i++) z += x[i] * this.weights[i];
    return 1 / (1 + Math.exp(-z));
  }

  toScore(p: number): ModelScore {
    return { model: this.name, version: this.version, label: p >= this.file.threshold ? 'spam' : 'ham', score: round(p), details: {} };
  }
}
