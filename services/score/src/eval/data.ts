/**
 * The labelled data kept in the repository (services/score/data, see its README): sentiment and spam
 * examples in Arabic and English, each in a train split (for training and tuning) and a test split (only
 * ever used for the figures reported).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnrichedEvent } from '@sluice/contracts';
import { foldWord } from '@sluice/text';
import type { Language } from '../text/tokenize';
import type { SentimentLabel } from '../models/sentiment/model';

export const DATA_DIR = path.resolve(__dirname, '../../data');
export type Split = 'train' | 'test';
export const LANGUAGES: readonly Language[] = ['en', 'ar'];

export interface SentimentExample {
  label: SentimentLabel;
  text: string;
  language: Language;
}

export interface SpamExample {
  label: 'spam' | 'ham';
  text: string;
  language: Language;
  followers: number | null;
  verified: boolean;
  duplicate: boolean;
}

const read = (file: string): string => fs.readFileSync(file, 'utf8');

export function sentimentExamples(split: Split, language: Language, dir = DATA_DIR): SentimentExample[] {
  const file = path.join(dir, 'sentiment', split, `${language}.tsv`);
  return read(file)
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const tab = line.indexOf('\t');
      const label = line.slice(0, tab);
      if (label !== 'positive' && label !== 'negative' && label !== 'neutral') throw new Error(`${file} line ${i + 1}: label ${JSON.stringify(label)}; expected positive, negative or neutral`);
      return { label, text: line.slice(tab + 1), language };
    });
}

export function spamExamples(split: Split, language: Language, dir = DATA_DIR): SpamExample[] {
  const file = path.join(dir, 'spam', split, `${language}.jsonl`);
  return read(file)
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const r = JSON.parse(line) as Omit<SpamExample, 'language'>;
      if (r.label !== 'spam' && r.label !== 'ham') throw new Error(`${file} line ${i + 1}: label ${JSON.stringify(r.label)}; expected spam or ham`);
      return { ...r, language };
    });
}

/** A minimal enriched event around an example, as the handler would see it. */
export function exampleEvent(x: { text: string; language: Language; followers?: number | null; verified?: boolean; duplicate?: boolean }, id = 'example'): EnrichedEvent {
  return {
    event: {
      id,
      source: 'eval',
      kind: 'POST',
      occurredAt: 0,
      receivedAt: 0,
      author: { id: 'a', handle: null, followers: x.followers ?? null, verified: x.verified ?? false },
      text: x.text,
    },
    enrichment: { normalizedText: x.text, language: x.language, exactDuplicate: x.duplicate ?? false },
  };
}

/** Lexicon file: word<TAB>polarity lines; # comments. Words are folded. */
export function readLexicon(language: Language, dir = DATA_DIR): Map<string, number> {
  const out = new Map<string, number>();
  const file = path.join(dir, 'lexicon', `${language}.tsv`);
  read(file)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim() || line.startsWith('#')) return;
      const [word, pol] = line.split('\t');
      const p = Number(pol);
      if (!word || !Number.isFinite(p)) throw new Error(`${file} line ${i + 1}: expected word<TAB>polarity`);
      out.set(foldWord(word), p);
    });
  return out;
}

export interface LanguageWordLists {
  negators: string[];
  intensifiers: string[];
  contrasts: string[];
}

export function readWordLists(dir = DATA_DIR): Record<Language, LanguageWordLists> {
  const raw = JSON.parse(read(path.join(dir, 'lexicon', 'rules.json'))) as Record<Language, LanguageWordLists>;
  const fold = (l: LanguageWordLists): LanguageWordLists => ({ negators: l.negators.map(foldWord), intensifiers: l.intensifiers.map(foldWord), contrasts: l.contrasts.map(foldWord) });
  return { en: fold(raw.en), ar: fold(raw.ar) };
}

export function readSpamTerms(dir = DATA_DIR): string[] {
  return read(path.join(dir, 'lexicon', 'spam-terms.txt'))
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => foldWord(l));
}
