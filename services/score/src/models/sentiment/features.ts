/**
 * Sentiment features of a token sequence: each known word (after light stemming) becomes a feature,
 * words inside a negation scope become NOT_<word>, an intensifier raises the next word's value, and a
 * contrast word ("but", "لكن") halves what came before it, since the clause after it usually carries the
 * writer's view, and every negation word also counts in a shared __negator feature. Training and
 * inference use this same function.
 */
import type { Language } from '../../text/tokenize';

export interface LanguageRules {
  negators: ReadonlySet<string>;
  intensifiers: ReadonlySet<string>;
  contrasts: ReadonlySet<string>;
}

/** How many words after a negator it applies to (unless a clause boundary comes first). */
export const NEGATION_SCOPE = 3;
export const INTENSIFIER_BOOST = 1.5;
export const CONTRAST_DISCOUNT = 0.5;
/** Feature counting negation words. */
export const NEGATOR_FEATURE = '__negator';

const AR_PREFIXES = ['وبال', 'وال', 'بال', 'فال', 'كال', 'لل', 'ال', 'و', 'ف', 'ب', 'ل', 'ك', 'س'];
// Pronoun suffixes, plurals, the verb endings -ت/-تم/-وا, -ني ("me"), and the accusative alef (جيدا).
const AR_SUFFIXES = ['هما', 'كما', 'تها', 'ها', 'هم', 'هن', 'كم', 'نا', 'ني', 'تم', 'ون', 'ين', 'ات', 'ان', 'يه', 'وا', 'ه', 'ي', 'ك', 'ت', 'ا'];
const EN_SUFFIXES: Array<[string, string]> = [
  ["'s", ''],
  ['ies', 'y'],
  ['es', ''],
  ['s', ''],
  ['ied', 'y'],
  ['ed', ''],
  ['ed', 'e'],
  ['d', ''],
  ['ing', ''],
  ['ing', 'e'],
  ['ly', ''],
  ['est', ''],
  ['er', ''],
];

/** Forms of a word to look up, most specific first. */
export function candidates(word: string, language: Language): string[] {
  const out = [word];
  if (language === 'ar') {
    const stripped: string[] = [];
    for (const p of AR_PREFIXES) if (word.startsWith(p) && word.length - p.length >= 2) stripped.push(word.slice(p.length));
    for (const base of [word, ...stripped]) {
      if (base !== word) out.push(base);
      for (const s of AR_SUFFIXES) if (base.endsWith(s) && base.length - s.length >= 2) out.push(base.slice(0, -s.length));
    }
  } else {
    for (const [s, r] of EN_SUFFIXES) if (word.endsWith(s) && word.length - s.length >= 3) out.push(word.slice(0, -s.length) + r);
    // Elongated words ("sooo goood") fold runs of 3+ letters to one, then to two.
    if (/(.)\1\1/.test(word)) {
      out.push(word.replace(/(.)\1{2,}/g, '$1'));
      out.push(word.replace(/(.)\1{2,}/g, '$1$1'));
    }
  }
  return out;
}

export function isNegator(word: string, next: string | undefined, language: Language, rules: LanguageRules): boolean {
  if (language === 'en') return rules.negators.has(word) || word.endsWith("n't");
  return rules.negators.has(word) && !praiseNotNegation(word, next);
}

/** "ما أجمل …" / "ما احلى …" is an exclamation of praise, not a negation: ما before an af'al form. */
const praiseNotNegation = (word: string, next: string | undefined): boolean =>
  (word === 'ما' || word === 'وما') && next !== undefined && next.length >= 4 && next.startsWith('ا');

/** What the feature loop needs to know about one word form; the model caches it per word. */
export interface WordRole {
  /** A negator (in Arabic, unless it opens an exclamation of praise: see isNegator). */
  negator: boolean;
  intensifier: boolean;
  contrast: boolean;
  /** The model's feature for the word, and its negated form; undefined when the model does not know it. */
  feature: string | undefined;
  notFeature: string | undefined;
}

/** The role of a word form under `rules`, with `resolve` giving its feature. */
export function wordRole(word: string, language: Language, rules: LanguageRules, resolve: (word: string) => string | undefined): WordRole {
  const feature = resolve(word);
  return {
    negator: rules.negators.has(word) || (language === 'en' && word.endsWith("n't")),
    intensifier: rules.intensifiers.has(word),
    contrast: rules.contrasts.has(word),
    feature,
    notFeature: feature === undefined ? undefined : `NOT_${feature}`,
  };
}

/**
 * Feature values of one text. `resolve` maps a word form to the model's feature for it (or undefined when
 * the model does not know it).
 */
export function sentimentFeatures(
  tokens: readonly string[],
  language: Language,
  rules: LanguageRules,
  resolve: (word: string) => string | undefined,
  into?: Map<string, number>,
): Map<string, number> {
  return featuresByRole(tokens, language, (w) => wordRole(w, language, rules, resolve), into);
}

/** sentimentFeatures() with the word roles given by `roleOf` (the model passes its cache). */
export function featuresByRole(tokens: readonly string[], language: Language, roleOf: (word: string) => WordRole, into?: Map<string, number>): Map<string, number> {
  const feats = into ?? new Map<string, number>();
  feats.clear();
  let negLeft = 0;
  let boost = 1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '.') {
      negLeft = 0;
      boost = 1;
      continue;
    }
    if (t === '!' || t === '?') {
      feats.set(t, (feats.get(t) ?? 0) + 1);
      negLeft = 0;
      continue;
    }
    const role = roleOf(t);
    if (role.negator && !(language === 'ar' && praiseNotNegation(t, tokens[i + 1]))) {
      negLeft = NEGATION_SCOPE;
      // Negation is itself a cue (complaints negate more than praise), learned as one shared weight.
      feats.set(NEGATOR_FEATURE, (feats.get(NEGATOR_FEATURE) ?? 0) + 1);
      continue;
    }
    if (role.intensifier) {
      boost = INTENSIFIER_BOOST;
      continue;
    }
    if (role.contrast) {
      for (const [k, v] of feats) feats.set(k, v * CONTRAST_DISCOUNT);
      negLeft = 0;
      continue;
    }
    if (role.feature !== undefined) {
      const f = negLeft > 0 ? role.notFeature! : role.feature;
      feats.set(f, (feats.get(f) ?? 0) + boost);
    }
    boost = 1;
    if (negLeft > 0) negLeft--;
  }
  return feats;
}
