import { keywords, tokenise } from './keywords';
import { foldForMatch, normaliseText } from './normalise';

const kw = (text: string, max?: number) => keywords(tokenise(foldForMatch(normaliseText(text))), max);

describe('tokenise', () => {
  test('splits on punctuation, emoji and underscores; keeps inner apostrophes', () => {
    expect(tokenise("don’t stop-believing 🔥 free_palestine it's")).toEqual(["don't", 'stop', 'believing', 'free', 'palestine', "it's"]);
  });

  test('letters of other scripts, combining marks and astral letters are word characters; emoji are not', () => {
    expect(tokenise('привет мир 東京 नमस्ते 𝐁𝐨𝐥𝐝🔥text')).toEqual(['привет', 'мир', '東京', 'नमस्ते', '𝐁𝐨𝐥𝐝', 'text']);
  });

  test('an apostrophe stays inside a word only between letters', () => {
    expect(tokenise("'quoted' rock'n'roll 90's can' t")).toEqual(['quoted', "rock'n'roll", "90's", 'can', 't']);
  });

  test('Arabic words with folded letters', () => {
    expect(tokenise(foldForMatch('أعلنت الحكومةُ، اليوم!'))).toEqual(['اعلنت', 'الحكومه', 'اليوم']);
  });
});

describe('keywords', () => {
  test('English: stopwords, numbers and possessives', () => {
    expect(kw("The government's new plan for 2024 is not what we expected")).toEqual(['government', 'new', 'plan', 'expected']);
  });

  test('Arabic: stopwords in any spelling variant are removed', () => {
    expect(kw('أعلنت الحكومة في بيان إلى المواطنين أن الامتحانات على موعدها')).toEqual(['اعلنت', 'الحكومه', 'بيان', 'المواطنين', 'الامتحانات', 'موعدها']);
    // فى (Egyptian spelling) folds to في, a stopword.
    expect(kw('المؤتمر فى القاهرة')).toEqual(['المؤتمر', 'القاهره']);
  });

  test('mixed Arabic and English with emoji', () => {
    expect(kw('🔥 Breaking: انفجار في the port of بيروت 🔥')).toEqual(['breaking', 'انفجار', 'port', 'بيروت']);
  });

  test('distinct, in order, and at most max', () => {
    expect(kw('alpha beta alpha gamma delta', 3)).toEqual(['alpha', 'beta', 'gamma']);
  });
});
