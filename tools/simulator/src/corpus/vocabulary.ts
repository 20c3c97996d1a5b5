/**
 * Words that fill the templates' {slots}, in both languages. Brands are invented (the simulator puts
 * complaints in their mouths); cities, teams and dishes are real and uncontroversial.
 */
import type { Lang } from './types';

export const SLOTS: Record<Lang, Record<string, readonly string[]>> = {
  en: {
    city: ['Riyadh', 'Jeddah', 'Dubai', 'Abu Dhabi', 'Doha', 'Kuwait City', 'Manama', 'Muscat', 'Cairo', 'Alexandria', 'Amman', 'Beirut', 'Casablanca', 'Tunis', 'Dammam'],
    district: ['Al Olaya', 'Al Malqa', 'Downtown', 'Marina', 'Zamalek', 'Nasr City', 'Abdoun', 'Hamra', 'Al Rawdah', 'JLT', 'Al Khobar Corniche'],
    team: ['Al Hilal', 'Al Nassr', 'Al Ittihad', 'Al Ahli', 'Al Ain', 'Al Sadd', 'Zamalek', 'Al Ahly', 'Wydad', 'Real Madrid', 'Barcelona', 'Man City', 'Liverpool'],
    player: ['the keeper', 'our number 10', 'the new signing', 'the captain', 'the young winger', 'the striker'],
    brand: ['SahraTelecom', 'NoorAirways', 'ZaitounBank', 'FalconMart', 'RimalDelivery', 'WahaMobile', 'QamarBank', 'NakhlaFood'],
    product: ['the new phone', 'my laptop', 'the smartwatch', 'the fibre plan', 'the app update', 'the earbuds', 'the 5G router'],
    dish: ['kabsa', 'mandi', 'shawarma', 'falafel', 'koshari', 'mansaf', 'kunafa', 'luqaimat', 'machboos', 'hummus'],
    show: ['the new Ramadan series', 'the season finale', 'the documentary', 'the comedy special', 'the cooking show'],
    time: ['this morning', 'tonight', 'at noon', 'after Maghrib', 'this weekend', 'on Friday', 'since yesterday'],
    day: ['Friday', 'Saturday', 'Sunday', 'Monday', 'Thursday'],
    topic: ['AI', 'cloud computing', 'cybersecurity', 'e-sports', 'fintech', 'electric cars', 'space tech'],
  },
  ar: {
    city: ['الرياض', 'جدة', 'دبي', 'أبوظبي', 'الدوحة', 'الكويت', 'المنامة', 'مسقط', 'القاهرة', 'الإسكندرية', 'عمّان', 'بيروت', 'الدار البيضاء', 'تونس', 'الدمام'],
    district: ['العليا', 'الملقا', 'وسط البلد', 'المارينا', 'الزمالك', 'مدينة نصر', 'عبدون', 'الحمرا', 'الروضة', 'الكورنيش', 'النخيل'],
    team: ['الهلال', 'النصر', 'الاتحاد', 'الأهلي', 'العين', 'السد', 'الزمالك', 'الوداد', 'ريال مدريد', 'برشلونة', 'ليفربول'],
    player: ['الحارس', 'رقم 10', 'اللاعب الجديد', 'الكابتن', 'الجناح الشاب', 'المهاجم'],
    brand: ['SahraTelecom', 'NoorAirways', 'ZaitounBank', 'FalconMart', 'RimalDelivery', 'WahaMobile', 'QamarBank', 'NakhlaFood'],
    product: ['الجوال الجديد', 'اللابتوب', 'الساعة الذكية', 'باقة الألياف', 'تحديث التطبيق', 'السماعات', 'راوتر الجيل الخامس'],
    dish: ['كبسة', 'مندي', 'شاورما', 'فلافل', 'كشري', 'منسف', 'كنافة', 'لقيمات', 'مجبوس', 'حمص'],
    show: ['المسلسل الرمضاني الجديد', 'الحلقة الأخيرة', 'الفيلم الوثائقي', 'العرض الكوميدي', 'برنامج الطبخ'],
    time: ['الصبح', 'الليلة', 'الظهر', 'بعد المغرب', 'نهاية الأسبوع', 'يوم الجمعة', 'من أمس'],
    day: ['الجمعة', 'السبت', 'الأحد', 'الاثنين', 'الخميس'],
    topic: ['الذكاء الاصطناعي', 'الحوسبة السحابية', 'الأمن السيبراني', 'الرياضات الإلكترونية', 'التقنية المالية', 'السيارات الكهربائية'],
  },
};

export const EMOJI = {
  pos: ['😍', '👏', '🔥', '❤️', '😂', '🙌', '✨', '💯', '🥳', '😊', '🙏', '👌'],
  neu: ['👀', '📌', '🤔', '📷', '☕', '🚗', '📱', '⏰', '🌙', '📊'],
  neg: ['😡', '😤', '😞', '🤦‍♂️', '💔', '😩', '👎', '😠'],
} as const;

/** Fictional brand accounts that show up in mentions. */
export const BRAND_HANDLES = ['SahraTelecom', 'NoorAirways', 'ZaitounBank', 'FalconMart', 'RimalDelivery', 'WahaMobile', 'QamarBank', 'NakhlaFood'];

/** News outlets (invented; domains under the reserved .example TLD). */
export interface Outlet {
  id: string;
  handle: string;
  name: string;
  domain: string;
  lang: Lang;
  followers: number;
}

export const OUTLETS: readonly Outlet[] = [
  { id: 'outlet-gulf-daily', handle: 'GulfDailyNews', name: 'Gulf Daily', domain: 'gulfdaily.example', lang: 'en', followers: 2_400_000 },
  { id: 'outlet-arab-wire', handle: 'ArabWire', name: 'Arab Wire', domain: 'arabwire.example', lang: 'en', followers: 860_000 },
  { id: 'outlet-nile-post', handle: 'NilePostEN', name: 'Nile Post', domain: 'nilepost.example', lang: 'en', followers: 310_000 },
  { id: 'outlet-tech-majlis', handle: 'TechMajlis', name: 'Tech Majlis', domain: 'techmajlis.example', lang: 'en', followers: 95_000 },
  { id: 'outlet-alkhabar', handle: 'AlkhabarNow', name: 'الخبر الآن', domain: 'alkhabar.example', lang: 'ar', followers: 5_100_000 },
  { id: 'outlet-sada', handle: 'SadaAlkhaleej', name: 'صدى الخليج', domain: 'sada-alkhaleej.example', lang: 'ar', followers: 1_700_000 },
  { id: 'outlet-alyawm', handle: 'AlyawmNews', name: 'اليوم', domain: 'alyawm.example', lang: 'ar', followers: 940_000 },
  { id: 'outlet-riyada', handle: 'RiyadaSport', name: 'ريادة الرياضية', domain: 'riyada.example', lang: 'ar', followers: 620_000 },
  { id: 'outlet-mal', handle: 'MalEconomy', name: 'مال', domain: 'mal-economy.example', lang: 'ar', followers: 410_000 },
];

/** Sites whose links people share and whose link metrics are tracked. */
export const LINK_SITES = ['gulfdaily.example', 'alkhabar.example', 'techmajlis.example', 'shop.falconmart.example', 'blog.rimal.example', 'arabwire.example', 'alyawm.example', 'videos.example'];

/** Telegram channels (which post as themselves, to their subscribers) and groups (whose members chat). */
export interface TelegramChat {
  name: string;
  type: 'channel' | 'group';
  lang: Lang;
  /** Numeric chat id (channels author their own posts). */
  id: string;
  subscribers: number;
}

export const TELEGRAM_CHATS: readonly TelegramChat[] = [
  { name: 'riyadh_traffic_live', type: 'channel', lang: 'ar', id: '1001482250317', subscribers: 184_000 },
  { name: 'akhbar_alkhaleej', type: 'channel', lang: 'ar', id: '1001190384562', subscribers: 452_000 },
  { name: 'techmajlis_chat', type: 'group', lang: 'en', id: '1001733920185', subscribers: 3_900 },
  { name: 'football_fans_ksa', type: 'group', lang: 'ar', id: '1001602297741', subscribers: 12_600 },
  { name: 'dubai_expats', type: 'group', lang: 'en', id: '1001358802214', subscribers: 27_300 },
  { name: 'souq_deals', type: 'channel', lang: 'ar', id: '1001874410093', subscribers: 8_700 },
  { name: 'cairo_foodies', type: 'group', lang: 'ar', id: '1001265519876', subscribers: 6_100 },
  { name: 'gulf_markets', type: 'channel', lang: 'en', id: '1001920046631', subscribers: 61_000 },
];

/** Tracking parameters producers' links carry (enrich strips them when it canonicalises URLs). */
export const TRACKING: ReadonlyArray<(r: { pick<T>(x: readonly T[]): T; digits(n: number): string; chars(n: number, a: string): string }) => string> = [
  (r) => `utm_source=${r.pick(['twitter', 'facebook', 'whatsapp', 'telegram', 'newsletter'])}&utm_medium=social&utm_campaign=${r.pick(['breaking', 'daily_digest', 'ramadan', 'promo', 'share'])}`,
  (r) => `fbclid=IwAR${r.chars(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`,
  (r) => `gclid=Cj0KCQ${r.chars(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
  (r) => `igshid=${r.chars(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
  (r) => `ref=${r.pick(['homepage', 'share_button', 'app', 'push'])}&s=${r.digits(2)}`,
  (r) => `utm_source=tg&utm_content=${r.digits(4)}`,
];
