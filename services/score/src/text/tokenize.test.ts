import { foldForMatch } from '@sluice/text';
import { guessLanguage, viewText } from './tokenize';

describe('text view', () => {
  test('folds Arabic letter variants, diacritics and tatweel the way enrich does', () => {
    expect(foldForMatch('أَهْلاً بِكُمْ في المدرسـة الجديدة إلى مستشفى')).toBe('اهلا بكم في المدرسه الجديده الي مستشفي');
    expect(foldForMatch('Café ÉTÉ')).toBe('cafe ete');
  });

  test('tokens leave out links and mentions, keep hashtag words, emoji and clause marks', () => {
    const v = viewText('Loving it!! @bob check https://x.example/a #Best_Day 😍. ok');
    expect(v.tokens).toEqual(['loving', 'it', '!', '!', 'check', 'best', 'day', '😍', '.', 'ok']);
    expect(v).toMatchObject({ urls: 1, mentions: 1, hashtags: 1, emoji: 1, exclamations: 2, language: 'en' });
  });

  test('counts the surface features the spam model reads', () => {
    const v = viewText('FREE MONEY NOW sooooo easy 123456');
    expect(v.longestRun).toBe(5);
    expect(v.upperRatio).toBeCloseTo(12 / 22, 5);
    expect(v.digitRatio).toBeCloseTo(6 / 28, 5);
  });

  test('guesses the language from the script when enrich gave none', () => {
    expect(guessLanguage('الخدمة ممتازة')).toBe('ar');
    expect(guessLanguage('service was great')).toBe('en');
    expect(viewText('الخدمة ممتازة', undefined, 'unknown').language).toBe('ar');
    expect(viewText('الخدمة ممتازة', undefined, 'en').language).toBe('en');
  });
});
