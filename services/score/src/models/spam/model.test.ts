import { DEFAULT_MODEL_DIR } from '../../stage/definition';
import { loadModelSet } from '../registry';
import { viewText } from '../../text/tokenize';
import { enrichedEvent } from '../../testkit';
import { SPAM_FEATURE_NAMES, spamFeatures, type SpamModel } from './model';

let model: SpamModel;
beforeAll(async () => {
  model = (await loadModelSet(DEFAULT_MODEL_DIR)).spam;
});

function p(text: string, account: { followers?: number | null; verified?: boolean; duplicate?: boolean } = {}): number {
  const e = enrichedEvent({ text, followers: account.followers === undefined ? 500 : account.followers, verified: account.verified, duplicate: account.duplicate });
  return model.probability(model.features(viewText(text), e));
}

describe('spam model', () => {
  test('link-and-hashtag-stuffed promotions from small duplicate-posting accounts score high', () => {
    expect(p('WIN a FREE iPhone!!! Click here http://bit.ly/x #giveaway #free #win #iphone', { followers: 12, duplicate: true })).toBeGreaterThan(0.95);
    expect(p('اربح جوال مجانا!!! اضغط الرابط http://bit.ly/x #مسابقة #جوائز #هدية', { followers: 20, duplicate: true })).toBeGreaterThan(0.95);
  });

  test('ordinary posts, with or without a link, score low', () => {
    expect(p('The train was late again this morning, so annoying')).toBeLessThan(0.2);
    expect(p('Full report on the council budget vote https://news.example/budget', { followers: 3000, verified: true })).toBeLessThan(0.3);
    expect(p('الخدمة ممتازة والموظفين محترمين')).toBeLessThan(0.2);
  });

  test('account features move the probability the documented way', () => {
    const text = 'Great deals on shoes this week http://shop.example';
    expect(p(text, { followers: 10, duplicate: true })).toBeGreaterThan(p(text, { followers: 50_000, verified: true }));
  });

  test('feature vector follows SPAM_FEATURE_NAMES', () => {
    const v = spamFeatures(viewText('a b c d http://x.example #t @u !!!'), { followers: 999, verified: true }, true, 2);
    const named = Object.fromEntries(SPAM_FEATURE_NAMES.map((f, i) => [f, v[i]]));
    expect(named).toMatchObject({ urls: 1, hashtags: 0.1, mentions: 0.1, exactDuplicate: 1, verified: 1, followersUnknown: 0, spamTerms: 2, exclamations: 0.6 });
    expect(named.logFollowers).toBeCloseTo(3 / 7, 5);
  });

  test('spam phrases of several words are counted', () => {
    expect(model.countTerms(['please', 'click', 'here', 'now'])).toBe(2); // "click" and "click here"
  });
});
