import { extractEntities } from './extract';
import { tokenise } from './keywords';
import { countScripts, detectLanguage } from './language';
import { foldForMatch, normaliseText } from './normalise';

/** As the enrich pipeline calls it: prose without URLs and handles, tokens of its folded form. */
function detect(text: string): string {
  const { prose } = extractEntities(normaliseText(text));
  return detectLanguage(prose, tokenise(foldForMatch(prose)));
}

describe('detectLanguage', () => {
  test.each([
    // Arabic
    ['Arabic news sentence', 'أعلنت وزارة الصحة اليوم عن إطلاق حملة التطعيم الجديدة في جميع المحافظات', 'ar'],
    ['Arabic greeting without stopwords, long enough', 'السلامُ عليكم ورحمةُ اللهِ وبركاتُه', 'ar'],
    ['Egyptian dialect', 'انا مش فاهم ليه الناس بتعمل كده', 'ar'],
    ['Arabic with a URL and a handle', 'شاهد التقرير الكامل على موقعنا https://example.com/ar/report @aljazeera', 'ar'],
    ['Arabic with emoji and hashtags', '🔥🔥 عاجل: انفجار في الميناء #بيروت #لبنان', 'ar'],
    // English
    ['English sentence', 'The quick brown fox jumps over the lazy dog', 'en'],
    ['English headline without stopwords', 'Arsenal beat Chelsea again tonight', 'en'],
    ['English with emoji, URL and handle', 'Just watched the launch 🚀🚀 with @nasa https://nasa.gov/live', 'en'],
    // Mixed scripts
    ['mostly English with an Arabic word', 'Breaking: the ministry says عاجل all schools are closed today', 'en'],
    ['mostly Arabic with an English brand', 'تم إطلاق iPhone الجديد في الأسواق اليوم بسعر مرتفع', 'ar'],
    ['balanced mix decided by function words', 'meeting اليوم في المكتب مع الفريق at 5', 'ar'],
    // Unknown rather than a guess
    ['very short English', 'ok', 'unknown'],
    ['very short Arabic', 'مرحبا', 'unknown'],
    ['emoji only', '😂😂😂 🔥', 'unknown'],
    ['a URL only', 'https://example.com/some/long/path/with/words', 'unknown'],
    ['a hashtag only', '#Gaza', 'unknown'],
    ['French', 'Bonjour à tous, je suis très content de vous voir', 'unknown'],
    ['Spanish', 'El presidente dijo que la economía está creciendo muy rápido', 'unknown'],
    ['Persian', 'این یک متن فارسی است که برای آزمایش نوشته شده', 'unknown'],
    ['Russian', 'Привет всем, как у вас дела сегодня', 'unknown'],
    ['numbers and punctuation', '12345 !!! ??? 678', 'unknown'],
  ])('%s', (_name, text, expected) => {
    expect(detect(text)).toBe(expected);
  });
});

describe('countScripts', () => {
  test('counts letters by script and ignores digits, punctuation and emoji', () => {
    expect(countScripts('abc مرحبا 123 !! 🔥 Привет')).toEqual({ arabic: 5, latin: 3, other: 6, persianUrdu: 0 });
  });

  test('counts Persian-only letters', () => {
    expect(countScripts('پچژگ').persianUrdu).toBe(4);
  });
});
