/** A deterministic stream of realistic raw events for the enrich benchmarks. */
'use strict';

let seed = 12345;
/** Restart the sequence, so two runs with the same seed get the same texts. */
function seedEvents(n) {
  seed = 12345 + n;
}
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const AR_WORDS = 'أعلنت وزارة الصحة اليوم عن حملة تطعيم جديدة في جميع المحافظات الرئيس الحكومة مجلس النواب قرار اقتصاد الأسعار ارتفاع انخفاض مباراة المنتخب الفريق الجمهور مدينة القدس غزة بيروت القاهرة دمشق عمّان الرياض انتخابات مظاهرة احتجاج الطلاب الجامعة المدرسة المستشفى الطقس أمطار عاصفة الكهرباء الماء النفط الذهب الدولار البنك السوق شركة مشروع إطلاق خدمة تطبيق الإنترنت مواقع التواصل فيديو صورة خبر عاجل مصدر مسؤول إلى على من عن هذا التي الذي كان قد لم لا'.split(' ');
const EN_WORDS = 'the ministry announced today new vaccination campaign across all regions president government parliament decision economy prices rise fall match national team fans city election protest students university school hospital weather rain storm electricity water oil gold dollar bank market company project launch service app internet social media video photo breaking news source official says will has been is are of to in on for with and a'.split(' ');
const EMOJI = ['🔥', '😂', '👍🏽', '🇵🇸', '🚀', '❤️', '😡', '🙏', '⚽', '👨‍👩‍👧', '🔴'];
const HASHTAGS = ['#عاجل', '#غزة_الآن', '#الصحة', '#Breaking', '#Gaza', '#Economy', '#كأس_العالم', '#AI_News', '#مصر', '#Elections2025'];
const MENTIONS = ['@Reuters', '@AJArabic', '@BBCBreaking', '@CityNews', '@ahmed_ali', '@who'];
const CASHTAGS = ['$AAPL', '$TSLA', '$BTC', '$ARAMCO'];
const HOSTS = ['https://www.aljazeera.net/news/', 'https://bbc.co.uk/news/', 'https://t.co/', 'https://example.com/a/', 'https://youtu.be/', 'https://news.example.org/story?id='];
const SOURCES = ['twitter', 'facebook', 'youtube', 'telegram', 'news', 'web', 'tiktok'];
const KINDS = ['POST', 'COMMENT', 'VIDEO', 'NEWS', 'CHAT', 'LINK'];

function words(list, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(pick(list));
  return out.join(' ');
}

function text() {
  const r = rand();
  let t;
  if (r < 0.45) t = words(AR_WORDS, 8 + Math.floor(rand() * 25));
  else if (r < 0.85) t = words(EN_WORDS, 8 + Math.floor(rand() * 25));
  else t = `${words(AR_WORDS, 5 + Math.floor(rand() * 8))} ${words(EN_WORDS, 5 + Math.floor(rand() * 8))}`;
  if (rand() < 0.4) t += ` ${pick(HASHTAGS)}`;
  if (rand() < 0.25) t = `${pick(MENTIONS)} ${t}`;
  if (rand() < 0.05) t += ` ${pick(CASHTAGS)}`;
  if (rand() < 0.35) t += ` ${pick(HOSTS)}${Math.floor(rand() * 1e6)}${rand() < 0.5 ? '?utm_source=share&utm_medium=tw' : ''}`;
  if (rand() < 0.4) t += ` ${pick(EMOJI)}${pick(EMOJI)}`;
  if (rand() < 0.1) t = `\u200f${t.replace(/ا/g, 'ــا')}`; // bidi mark and tatweel, as in the wild
  return t;
}

function makeEvents(n, runTag) {
  const now = Date.now();
  const events = [];
  let invalid = 0;
  for (let i = 0; i < n; i++) {
    const source = pick(SOURCES);
    const author = `u${Math.floor(rand() * 5000)}`;
    const e = {
      id: `${runTag}-${i}`,
      source,
      kind: pick(KINDS),
      occurredAt: now - Math.floor(rand() * 3_600_000),
      receivedAt: now,
      author: { id: author, handle: author, followers: Math.floor(rand() * 100_000), verified: rand() < 0.05 },
      text: rand() < 0.03 && i > 0 ? events[Math.floor(rand() * i)].value.text : text(), // ~3% copy-paste reposts
      url: rand() < 0.2 ? `${pick(HOSTS)}${i}` : null,
      lang: null,
      parentId: null,
      engagement: rand() < 0.5 ? { likes: Math.floor(rand() * 1000), shares: Math.floor(rand() * 100), comments: Math.floor(rand() * 50), views: Math.floor(rand() * 1e5) } : null,
      attributes: rand() < 0.2 ? { campaign: 'c1' } : {},
      producer: null,
    };
    // A few records a direct producer got wrong: they go to the dead-letter topic.
    if (rand() < 0.001) {
      e.occurredAt = now + 86_400_000;
      invalid++;
    }
    events.push({ key: `${source}:${author}`, value: e });
  }
  return { events, invalid };
}

module.exports = { makeEvents, seedEvents };
