import { analyseEvent, type TextAnalysis } from './analyse';
import { simhash } from './duplicates';
import { detectLanguage, extractEntities, foldForMatch, keywords, normaliseText, tokenise } from './text';

/** Golden cases: the full derived view of one event, per language and for mixed scripts and emoji. */
const golden: Array<[string, { text: string; url?: string }, Omit<TextAnalysis, 'fingerprint' | 'contentHash'>]> = [
  [
    'Arabic news with diacritics, tatweel, Arabic-Indic digits, hashtag and link',
    { text: 'عاجـــل: أعلنت وزارةُ الصحة عن ٣ إصابات جديدة في مدينة إدلب #كورونا_سوريا https://www.Sana.sy/ar/?p=123&utm_source=twitter' },
    {
      normalizedText: 'عاجـــل: أعلنت وزارةُ الصحة عن ٣ إصابات جديدة في مدينة إدلب #كورونا_سوريا https://www.Sana.sy/ar/?p=123&utm_source=twitter',
      matchText: 'عاجل: اعلنت وزاره الصحه عن 3 اصابات جديده في مدينه ادلب #كورونا_سوريا https://www.sana.sy/ar/?p=123&utm_source=twitter',
      language: 'ar',
      hashtags: ['كورونا_سوريا'],
      mentions: [],
      cashtags: [],
      urls: ['https://www.sana.sy/ar/?p=123'],
      keywords: ['عاجل', 'اعلنت', 'وزاره', 'الصحه', 'اصابات', 'جديده', 'مدينه', 'ادلب', 'كورونا', 'سوريا'],
    },
  ],
  [
    'English post with mention, cashtag, hashtag, emoji and tracking link',
    { text: "  Apple's new iPhone is out 🚀🚀 says @TimCook — $AAPL up 3% #Apple\nhttps://apple.com/iphone?utm_campaign=launch&fbclid=abc  " },
    {
      normalizedText: "Apple's new iPhone is out 🚀🚀 says @TimCook — $AAPL up 3% #Apple https://apple.com/iphone?utm_campaign=launch&fbclid=abc",
      matchText: "apple's new iphone is out 🚀🚀 says @timcook — $aapl up 3% #apple https://apple.com/iphone?utm_campaign=launch&fbclid=abc",
      language: 'en',
      hashtags: ['apple'],
      mentions: ['timcook'],
      cashtags: ['AAPL'],
      urls: ['https://apple.com/iphone'],
      keywords: ['apple', 'new', 'iphone', 'aapl'],
    },
  ],
  [
    'mixed Arabic and English with emoji and bidi marks',
    { text: '\u200fمباراة اليوم 🔥⚽ Real Madrid vs Barcelona في الملعب #الكلاسيكو #ElClasico @LaLiga' },
    {
      normalizedText: 'مباراة اليوم 🔥⚽ Real Madrid vs Barcelona في الملعب #الكلاسيكو #ElClasico @LaLiga',
      matchText: 'مباراه اليوم 🔥⚽ real madrid vs barcelona في الملعب #الكلاسيكو #elclasico @laliga',
      language: 'ar',
      hashtags: ['الكلاسيكو', 'elclasico'],
      mentions: ['laliga'],
      cashtags: [],
      urls: [],
      keywords: ['مباراه', 'اليوم', 'real', 'madrid', 'vs', 'barcelona', 'الملعب', 'الكلاسيكو', 'elclasico'],
    },
  ],
  [
    'emoji only',
    { text: '😂😂😂 👍🏽' },
    { normalizedText: '😂😂😂 👍🏽', matchText: '😂😂😂 👍🏽', language: 'unknown', hashtags: [], mentions: [], cashtags: [], urls: [], keywords: [] },
  ],
  [
    'a LINK event: no text, only the url field',
    { text: '', url: 'https://Example.com:443/article?id=9&utm_medium=email#comments' },
    { normalizedText: '', matchText: '', language: 'unknown', hashtags: [], mentions: [], cashtags: [], urls: ['https://example.com/article?id=9'], keywords: [] },
  ],
];

describe('analyseEvent golden cases', () => {
  test.each(golden)('%s', (_name, input, expected) => {
    const got = analyseEvent({ text: input.text, url: input.url ?? null });
    const { fingerprint, contentHash, ...rest } = got;
    expect(rest).toEqual(expected);
    expect(fingerprint).toMatch(expected.keywords.length ? /^[0-9a-f]{16}$/ : /^$/);
    expect(contentHash === null).toBe(expected.keywords.length === 0 && expected.urls.length === 0);
  });

  test('the same content with other spacing, punctuation, diacritics and tracking is the same content', () => {
    const a = analyseEvent({ text: 'أعلنت الحكومة الخطة الجديدة https://gov.example/plan?utm_source=fb', url: null });
    const b = analyseEvent({ text: '  أَعلنت الحكومةُ:  الخطة الجديدة!!  https://gov.example/plan?fbclid=1 ', url: null });
    const c = analyseEvent({ text: 'أعلنت الحكومة الخطة القديمة https://gov.example/plan', url: null });
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.contentHash).not.toBe(c.contentHash);
  });

  test('a null text is empty text', () => {
    expect(analyseEvent({ text: null, url: null })).toMatchObject({ normalizedText: '', language: 'unknown', fingerprint: '', contentHash: null });
  });
});

describe('analyseEvent reads each token once', () => {
  test('its keywords, language and fingerprint are those of the separate functions', () => {
    const texts = [
      "Apple's new iPhone is out 🚀 don’t miss it @TimCook #Apple https://apple.com/iphone?utm_source=x",
      'عاجـــل: أعلنت وزارةُ الصحة عن ٣ إصابات جديدة في مدينة إدلب #كورونا_سوريا',
      'the the the and of 2024 ٢٠٢٤ rock’n’roll 𝐁𝐨𝐥𝐝 привет мир',
      'meeting اليوم في المكتب مع الفريق at 5 government’s plan',
      '',
    ];
    for (const text of texts) {
      const normalised = normaliseText(text);
      const prose = extractEntities(normalised).prose;
      const tokens = tokenise(foldForMatch(prose));
      const a = analyseEvent({ text, url: null }, { maxKeywords: 5 });
      expect([a.keywords, a.language, a.fingerprint]).toEqual([keywords(tokens, 5), detectLanguage(prose, tokens), simhash(tokens)]);
    }
  });
});
