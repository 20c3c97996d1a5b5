import { foldForMatch, foldWord } from './fold';
import { normaliseText } from './normalise';

describe('foldForMatch', () => {
  test.each([
    ['lower case', 'Breaking NEWS', 'breaking news'],
    ['alef variants أ إ آ ٱ become ا', 'أحمد إسلام آمال ٱلله', 'احمد اسلام امال الله'],
    ['alef maqsura ى becomes ي', 'على مستشفى', 'علي مستشفي'],
    ['Farsi yeh ی and keheh ک become ي and ك', 'کتاب یوم', 'كتاب يوم'],
    ['ta marbuta ة becomes ه', 'مدرسة جميلة', 'مدرسه جميله'],
    ['tatweel is removed', 'الجــــزيرة', 'الجزيره'],
    ['harakat, tanwin, shadda, sukun and dagger alef are removed', 'مُحَمَّدٌ قُرْآنٌ هٰذا', 'محمد قران هذا'],
    ['Arabic-Indic and Persian digits become ASCII', '٢٠٢٤ ۱۲۳', '2024 123'],
    ['Latin diacritics are removed', 'Café Ñandú Über', 'cafe nandu uber'],
    ['Latin diacritics and Arabic together', 'Café عاجِل', 'cafe عاجل'],
    ['mixed scripts and emoji', 'عاجِل 🔥 BREAKING: الرئيسُ', 'عاجل 🔥 breaking: الرئيس'],
    ['text that needs nothing is returned as is', 'plain words 123', 'plain words 123'],
  ])('%s', (_name, input, expected) => {
    expect(foldForMatch(normaliseText(input))).toBe(expected);
  });

  test('every character of the Arabic block folds as the rules say', () => {
    const folds = new Map<number, string>();
    for (const c of [0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673]) folds.set(c, '\u0627');
    folds.set(0x0649, '\u064a').set(0x06cc, '\u064a').set(0x0629, '\u0647').set(0x06a9, '\u0643').set(0x0640, '').set(0x0670, '');
    for (const [from, to] of [[0x064b, 0x065f], [0x0610, 0x061a], [0x06d6, 0x06ed]]) for (let c = from; c <= to; c++) folds.set(c, '');
    for (let d = 0; d <= 9; d++) folds.set(0x0660 + d, String(d)).set(0x06f0 + d, String(d));
    for (let c = 0x0600; c <= 0x06ff; c++) {
      const ch = String.fromCharCode(c);
      expect([c.toString(16), foldForMatch(`x${ch}y${ch}`)]).toEqual([c.toString(16), `x${folds.get(c) ?? ch}y${folds.get(c) ?? ch}`]);
    }
  });

  test('folding is idempotent', () => {
    const once = foldForMatch(normaliseText('أُعلنَت النتائجُ في ٢٠٢٤ — Café'));
    expect(foldForMatch(once)).toBe(once);
  });
});

describe('foldWord', () => {
  test('folds a lexicon entry as usually spelled, after NFKC and trimming', () => {
    expect(foldWord(' مدرسةٌ ')).toBe('مدرسه');
    expect(foldWord('ﬁne')).toBe('fine');
  });
});
