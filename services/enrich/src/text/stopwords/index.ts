import { foldForMatch } from '../normalise';
import { AR_STOPWORDS } from './ar';
import { EN_STOPWORDS } from './en';
import { HashedWords } from '../token-hash';

/** Stopword sets in folded form, so they compare directly with tokens of matchText. */
export const STOPWORDS = {
  ar: new Set(AR_STOPWORDS.map(foldForMatch)),
  en: new Set(EN_STOPWORDS.map(foldForMatch)),
} as const;

export const STOP_AR = 1;
export const STOP_EN = 2;
export const STOP_OTHER_LATIN = 4;

/** Every stopword with the languages it is a stopword of (one lookup per token on the hot path). */
export const STOPWORD_LANGUAGES = new Map<string, number>();

/**
 * Frequent function words of other Latin-script languages (French, Spanish, Portuguese, Italian, German,
 * Dutch, Turkish). Only used to say "unknown" rather than "en" for Latin text that is clearly not English.
 */
export const OTHER_LATIN_STOPWORDS = new Set(
  `le la les des du un une est et dans pour pas sur avec ce qui que au aux sont mais ou nous vous ils elles
   el los las del una es y en por con para como pero mas muy lo al se su sus yo tambien esta este esto
   o os um uma nao sim voce ele ela isso com mais
   il di che non per sono della delle gli dei
   der die das und ist nicht ich du sie wir mit auf fur ein eine den dem zu von im auch sich
   het een van ik je niet zijn op dat voor
   ve bir bu da de ile icin ama cok`
    .split(/\s+/)
    .filter(Boolean),
);

for (const w of STOPWORDS.ar) STOPWORD_LANGUAGES.set(w, (STOPWORD_LANGUAGES.get(w) ?? 0) | STOP_AR);
for (const w of STOPWORDS.en) STOPWORD_LANGUAGES.set(w, (STOPWORD_LANGUAGES.get(w) ?? 0) | STOP_EN);
for (const w of OTHER_LATIN_STOPWORDS) STOPWORD_LANGUAGES.set(w, (STOPWORD_LANGUAGES.get(w) ?? 0) | STOP_OTHER_LATIN);

/** STOPWORD_LANGUAGES by token hash, for the hot path (tokens come with their hashes). */
export const STOPWORD_TABLE = new HashedWords(STOPWORD_LANGUAGES);
