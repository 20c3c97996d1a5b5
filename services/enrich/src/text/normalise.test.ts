import { foldForMatch, normaliseText } from './normalise';

describe('normaliseText', () => {
  test.each([
    ['plain ASCII is returned as is', 'Hello world', 'Hello world'],
    ['whitespace runs, tabs and newlines collapse; ends are trimmed', '  hello \t\n  world  ', 'hello world'],
    ['control characters are removed', 'bell\u0007 and\u0000 null', 'bell and null'],
    ['bidi marks and zero-width characters are removed', '\u200fمرحبا\u200e \u200bبكم\ufeff', 'مرحبا بكم'],
    ['NFKC folds ligatures, full-width and compatibility forms', 'ﬁne Ｆｕｌｌ ①', 'fine Full 1'],
    ['NFKC maps Arabic presentation forms to letters', '\ufef7\ufe8e', 'لأا'],
    ['Arabic diacritics and letter variants are kept (original spelling)', 'السلامُ عليكم إلى مدرسة', 'السلامُ عليكم إلى مدرسة'],
    ['emoji and ZWJ sequences are kept', 'family 👨\u200d👩\u200d👧 🇵🇸', 'family 👨\u200d👩\u200d👧 🇵🇸'],
    ['NBSP and ideographic space are whitespace', 'a\u00a0b\u3000c', 'a b c'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });
});

describe('foldForMatch', () => {
  test.each([
    ['lower case', 'Breaking NEWS', 'breaking news'],
    ['alef variants أ إ آ ٱ become ا', 'أحمد إسلام آمال ٱلله', 'احمد اسلام امال الله'],
    ['alef maqsura ى becomes ي', 'على مستشفى', 'علي مستشفي'],
    ['ta marbuta ة becomes ه', 'مدرسة جميلة', 'مدرسه جميله'],
    ['tatweel is removed', 'الجــــزيرة', 'الجزيره'],
    ['harakat, tanwin, shadda, sukun and dagger alef are removed', 'مُحَمَّدٌ قُرْآنٌ هٰذا', 'محمد قران هذا'],
    ['Arabic-Indic and Persian digits become ASCII', '٢٠٢٤ ۱۲۳', '2024 123'],
    ['Latin diacritics are removed', 'Café Ñandú Über', 'cafe nandu uber'],
    ['mixed scripts and emoji', 'عاجِل 🔥 BREAKING: الرئيسُ', 'عاجل 🔥 breaking: الرئيس'],
  ])('%s', (_name, input, expected) => {
    expect(foldForMatch(normaliseText(input))).toBe(expected);
  });

  test('folding is idempotent', () => {
    const once = foldForMatch(normaliseText('أُعلنَت النتائجُ في ٢٠٢٤ — Café'));
    expect(foldForMatch(once)).toBe(once);
  });
});
