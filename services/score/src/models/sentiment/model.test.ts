import { DEFAULT_MODEL_DIR } from '../../stage/definition';
import { loadModelSet } from '../registry';
import { viewText } from '../../text/tokenize';
import type { SentimentModel } from './model';
import { candidates, sentimentFeatures } from './features';

let model: SentimentModel;
beforeAll(async () => {
  model = (await loadModelSet(DEFAULT_MODEL_DIR)).sentiment;
});
const label = (text: string, lang?: string) => model.predict(viewText(text, undefined, lang)).label;

describe('sentiment model', () => {
  test('English: clear positive, negative and neutral posts', () => {
    expect(label('I love this phone, the camera is amazing')).toBe('positive');
    expect(label('Worst service ever, the staff were rude and the food was cold')).toBe('negative');
    expect(label('The meeting starts at 10am in room 4')).toBe('neutral');
  });

  test('English: negation flips the words in its scope, and ends at a clause boundary', () => {
    expect(label('The food was good')).toBe('positive');
    expect(label('The food was not good')).toBe('negative');
    expect(label("I don't like it")).toBe('negative');
    expect(label('not bad at all, actually great')).toBe('positive');
  });

  test('English: the clause after "but" outweighs the one before', () => {
    expect(label('The hotel was nice but the service was terrible and rude')).toBe('negative');
  });

  test('Arabic: clear positive, negative and neutral posts, with clitics and dialect', () => {
    expect(label('الخدمة ممتازة والموظفين محترمين')).toBe('positive');
    expect(label('والله المطعم رائع والأكل لذيذ')).toBe('positive');
    expect(label('أسوأ تجربة، الأكل بارد والموظف وقح')).toBe('negative');
    expect(label('يبدأ الاجتماع الساعة العاشرة صباحا')).toBe('neutral');
  });

  test('Arabic: negation, and "ما أجمل" read as praise rather than negation', () => {
    expect(label('الفيلم جميل')).toBe('positive');
    expect(label('الفيلم ليس جميلا')).toBe('negative');
    expect(label('ما أجمل هذا المكان')).toBe('positive');
  });

  test('the score is P(positive) - P(negative) and the details are the class probabilities', () => {
    const r = model.predict(viewText('great great great'));
    const s = model.toScore(r);
    expect(s).toMatchObject({ model: 'sentiment', version: model.version, label: 'positive' });
    expect(s.score).toBeCloseTo(r.probs[2] - r.probs[0], 3);
    expect(s.details!.negative + s.details!.neutral + s.details!.positive).toBeCloseTo(1, 3);
  });

  test('features: negation scope, intensifier boost and light stemming', () => {
    const rules = { negators: new Set(['not']), intensifiers: new Set(['very']), contrasts: new Set(['but']) };
    const known = new Set(['good', 'love']);
    const resolve = (w: string) => candidates(w, 'en').find((c) => known.has(c));
    const f = sentimentFeatures(['not', 'very', 'good', '.', 'loved', 'it'], 'en', rules, resolve);
    expect(Object.fromEntries(f)).toEqual({ __negator: 1, NOT_good: 1.5, love: 1 });
    expect(candidates('والجميل', 'ar')).toContain('جميل');
    expect(candidates('حزنت', 'ar')).toContain('حزن');
  });
});
