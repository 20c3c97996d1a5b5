import { normaliseText } from './normalise';

/** The definition: what normaliseText must return, without its shortcut for text needing no clean-up. */
const reference = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g, '')
    .replace(/[\s\u0085\u2028\u2029]+/g, ' ')
    .trim();

describe('normaliseText', () => {
  test.each([
    ['plain ASCII is returned as is', 'Hello world', 'Hello world'],
    ['whitespace runs, tabs and newlines collapse; ends are trimmed', '  hello \t\n  world  ', 'hello world'],
    ['control characters are removed', 'bell\u0007 and\u0000 null', 'bell and null'],
    ['bidi marks and zero-width characters are removed', '\u200fمرحبا\u200e \u200bبكم\ufeff', 'مرحبا بكم'],
    ['NFKC folds ligatures, full-width and compatibility forms', 'ﬁne Ｆｕｌｌ ①', 'fine Full 1'],
    ['NFKC maps Arabic presentation forms to letters', '\ufef7\ufe8e', 'لأا'],
    ['NFKC composes alef and hamza above', '\u0627\u0654', '\u0623'],
    ['Arabic diacritics and letter variants are kept (original spelling)', 'السلامُ عليكم إلى مدرسة', 'السلامُ عليكم إلى مدرسة'],
    ['emoji and ZWJ sequences are kept', 'family 👨\u200d👩\u200d👧 🇵🇸', 'family 👨\u200d👩\u200d👧 🇵🇸'],
    ['NBSP and ideographic space are whitespace', 'a\u00a0b\u3000c', 'a b c'],
    ['a single trailing or leading space is trimmed', ' a b ', 'a b'],
    ['empty text', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });

  test('agrees with the definition for every BMP character, alone, doubled and between letters', () => {
    const wrong: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      for (const text of [ch, `a${ch}b`, `${ch}${ch}`, ` ${ch} `, `ب${ch}ا`]) if (normaliseText(text) !== reference(text)) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  test('agrees with the definition on mixed samples', () => {
    const parts = ['abc', ' ', '  ', '\t', '\u200f', 'مرحبا', 'é', 'e\u0301', '🔥', '👍🏽', '\u00a0', 'ﬁ', '\u0640', 'ٱ', '\n', '\u2028', '①', '한'];
    let seed = 3;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let k = rand(8); k >= 0; k--) text += parts[rand(parts.length)];
      expect([text, normaliseText(text)]).toEqual([text, reference(text)]);
    }
  });
});
