import { extractEntities } from './extract';
import { foldForMatch, normaliseText } from './normalise';

const extract = (text: string, extra: string[] = []) => extractEntities(normaliseText(text), extra);

describe('extractEntities', () => {
  test('English post: hashtags, mentions, cashtags, URLs', () => {
    const e = extract('Big day for $TSLA and $BRK.B! Thanks @ElonMusk & @user_2 #Tesla #EVs https://t.co/AbC123?utm_source=tw.');
    expect(e.hashtags).toEqual(['tesla', 'evs']);
    expect(e.mentions).toEqual(['elonmusk', 'user_2']);
    expect(e.cashtags).toEqual(['TSLA', 'BRK.B']);
    expect(e.urls).toEqual(['https://t.co/AbC123']);
  });

  test('Arabic post: hashtags with Arabic letters and underscores are folded; Arabic punctuation ends a URL', () => {
    const e = extract('تابعوا التغطية #غزة_تحت_القصف و#الأخبار_العاجلة عبر https://www.aljazeera.net/news/2024،  وشاركوا');
    expect(e.hashtags).toEqual(['غزه_تحت_القصف']);
    expect(e.urls).toEqual(['https://www.aljazeera.net/news/2024']);
    expect(e.prose).not.toContain('aljazeera');
  });

  test('a hashtag needs a word boundary before it and a letter in it', () => {
    const e = extract('#الأخبار_العاجلة ،#مصر issue#5 #123 #2024_انتخابات C# code');
    expect(e.hashtags).toEqual(['الاخبار_العاجله', 'مصر', '2024_انتخابات']);
  });

  test('emoji around entities: hashtag and URL stop at the emoji', () => {
    const e = extract('🔥#Gaza🇵🇸 live now👉https://example.com/live🔴 @bbcnews🙏');
    expect(e.hashtags).toEqual(['gaza']);
    expect(e.urls).toEqual(['https://example.com/live']);
    expect(e.mentions).toEqual(['bbcnews']);
  });

  test('mixed scripts: Arabic and English entities in one text', () => {
    const e = extract('عاجل 🔴 @Reuters: أسهم $AAPL ترتفع #Apple #أبل https://reut.rs/abc?utm_medium=social&id=9');
    expect(e.mentions).toEqual(['reuters']);
    expect(e.cashtags).toEqual(['AAPL']);
    expect(e.hashtags).toEqual(['apple', 'ابل']);
    expect(e.urls).toEqual(['https://reut.rs/abc?id=9']);
  });

  test('e-mail addresses are neither mentions nor prose; prices are not cashtags', () => {
    const e = extract('Write to press@example.com, costs $5 or US$10 and $.5');
    expect(e.mentions).toEqual([]);
    expect(e.cashtags).toEqual([]);
    expect(e.prose).not.toContain('example');
  });

  test('full-width # and @ count after NFKC', () => {
    const e = extract('＃Japan ＠nhk_world');
    expect(e.hashtags).toEqual(['japan']);
    expect(e.mentions).toEqual(['nhk_world']);
  });

  test('URL trimming: sentence punctuation and unbalanced parentheses go, balanced ones stay', () => {
    const e = extract('See (https://en.wikipedia.org/wiki/Foo_(bar)). Also www.example.org/page), and "https://x.com/a?b=1".');
    expect(e.urls).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)', 'http://www.example.org/page', 'https://x.com/a?b=1']);
  });

  test('the event url comes first and repeats are dropped', () => {
    const e = extract('read https://example.com/a?utm_source=x and https://EXAMPLE.com/a', ['https://example.com/a#top', 'https://other.org/']);
    expect(e.urls).toEqual(['https://example.com/a', 'https://other.org/']);
  });

  test('repeated entities are listed once', () => {
    const e = extract('#a1 #A1 @x @X $ab $AB');
    expect(e).toMatchObject({ hashtags: ['a1'], mentions: ['x'], cashtags: ['AB'] });
  });

  test('text without markers has no entities and its prose is the text', () => {
    const text = 'nothing special here';
    expect(extract(text)).toEqual({ hashtags: [], mentions: [], cashtags: [], urls: [], prose: text });
  });
});

describe('the hand-written hashtag and mention scanners', () => {
  // The definitions they implement.
  const HASHTAG = /(?<![\p{L}\p{M}\p{N}_&#/])#([\p{L}\p{M}\p{N}_]{1,140})/gu;
  const MENTION = /(?<![\p{L}\p{M}\p{N}_.@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,62}[A-Za-z0-9_])?)/gu;
  function reference(text: string): { hashtags: string[]; mentions: string[]; prose: string } {
    const mentions: string[] = [];
    const hashtags: string[] = [];
    const EMAIL = /(?<![\p{L}\p{N}_.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/gu;
    const prose = (text.includes('@') ? text.replace(EMAIL, ' ') : text).replace(MENTION, (_m, h: string) => {
      if (!mentions.includes(h.toLowerCase())) mentions.push(h.toLowerCase());
      return ' ';
    });
    for (const m of prose.matchAll(HASHTAG)) {
      if (!/\p{L}/u.test(m[1])) continue;
      const folded = foldForMatch(m[1]).replace(/^_+|_+$/g, '');
      if (folded && !hashtags.includes(folded)) hashtags.push(folded);
    }
    return { hashtags, mentions, prose };
  }

  test('agree with the regular expressions on random texts', () => {
    const parts = ['#', '@', '#', '@', 'a', 'Z', '_', '.', '..', '1', '&', '/', ' ', 'é', 'e\u0301', 'ب', 'ُ', '٣', '🔥', '𝐁', '#tag', '@user', 'x'.repeat(70), 'word', '-', '$'];
    let seed = 11;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let k = rand(12); k >= 0; k--) text += parts[rand(parts.length)];
      const got = extractEntities(text);
      expect([text, { hashtags: got.hashtags, mentions: got.mentions, prose: got.prose }]).toEqual([text, reference(text)]);
    }
  });

  test('a hashtag stops after 140 characters and a handle after 64', () => {
    expect(extractEntities(`#${'a'.repeat(150)}`).hashtags).toEqual(['a'.repeat(140)]);
    expect(extractEntities(`@${'b'.repeat(70)}`).mentions).toEqual(['b'.repeat(64)]);
    expect(extractEntities('@a.b.c... @x_. #__x__').mentions).toEqual(['a.b.c', 'x_']);
  });
});
