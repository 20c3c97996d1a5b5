export type Lang = 'ar' | 'en';
export type Tone = 'pos' | 'neu' | 'neg';

/** A subject people post about: templates per language and tone, and the hashtags that go with it. */
export interface Theme {
  id: string;
  /** Relative frequency in background traffic. */
  weight: number;
  templates: Record<Lang, Record<Tone, readonly string[]>>;
  hashtags: Record<Lang, readonly string[]>;
  /** Video titles (YouTube), when the theme has them. */
  videos?: Record<Lang, readonly string[]>;
}
