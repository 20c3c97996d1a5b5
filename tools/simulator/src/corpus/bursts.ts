/**
 * Texts of the injected scenarios. Watched keywords stand as words of their own ("زلزال", not "الزلزال"
 * or "بزلزال"): enrich extracts keywords without stemming, and the rules watch these exact forms.
 */
import type { Lang } from './types';

export interface WatchedPair {
  en: string;
  ar: string;
  /** Everyday mentions: the keyword's normal volume. */
  chatter: Record<Lang, readonly string[]>;
  /** What people post when it happens. */
  spike: Record<Lang, readonly string[]>;
  hashtags: Record<Lang, readonly string[]>;
}

/** The watched keywords of services/score/rules/default.yaml (watched-keyword-spike), in pairs. */
export const WATCHED: readonly WatchedPair[] = [
  {
    en: 'earthquake',
    ar: 'زلزال',
    chatter: {
      en: [
        'Earthquake preparedness drill at schools in {city} {time}',
        'Small earthquake of magnitude 2.{d} recorded offshore, no damage reported',
        'What goes in an earthquake kit? A short thread 🧵',
        'Engineers explain how towers in {city} are built to resist an earthquake',
      ],
      ar: [
        'تمرين إخلاء في المدارس استعدادا لأي زلزال {time}',
        'رصد زلزال خفيف بقوة 2.{d} في البحر دون أضرار',
        'نصائح السلامة عند حدوث زلزال 🧵',
        'كيف تصمم أبراج {city} لتتحمل أي زلزال',
      ],
    },
    spike: {
      en: [
        'Strong earthquake just shook {city}! Buildings swaying {emoji}',
        'Did anyone else feel that earthquake in {district}?',
        'BREAKING: earthquake of magnitude 5.{d} hits near {city}',
        'Everyone ok? That earthquake was scary {emoji}',
        'Earthquake felt across {city}, people are out in the streets',
      ],
      ar: [
        'زلزال قوي الحين في {city}! المباني تهتز {emoji}',
        'أحد حس بـ زلزال في {district}؟',
        'عاجل: زلزال بقوة 5.{d} يضرب قرب {city}',
        'الحمدلله على السلامة، زلزال مخيف {emoji}',
        'زلزال محسوس في {city} والناس طلعت الشوارع',
      ],
    },
    hashtags: { en: ['#earthquake'], ar: ['#زلزال'] },
  },
  {
    en: 'flood',
    ar: 'سيول',
    chatter: {
      en: [
        'Flood barriers being tested along the wadi in {city}',
        'Flood insurance explained: what is covered and what is not',
        'Drainage works to cut flood risk in {district} finish {day}',
      ],
      ar: [
        'مشروع تصريف سيول جديد في {district}',
        'الدفاع المدني: خطة جاهزة لمواجهة سيول الموسم',
        'تحذير من الاقتراب من مجاري سيول الأودية في {city}',
      ],
    },
    spike: {
      en: [
        'Flash flood in {district} right now, cars stuck {emoji}',
        'Roads closed in {city} because of the flood, avoid the area',
        'BREAKING: flood warning issued for {city}',
        'Water everywhere in {district}, this flood is serious {emoji}',
      ],
      ar: [
        'سيول قوية الحين في {district} والسيارات عالقة {emoji}',
        'عاجل: سيول تغلق طرق في {city}',
        'تنبيه من سيول جارفة في {city}، تجنبوا الأودية',
        'سيول في {district}، الله يحفظ الجميع {emoji}',
      ],
    },
    hashtags: { en: ['#flood'], ar: ['#سيول'] },
  },
  {
    en: 'fire',
    ar: 'حريق',
    chatter: {
      en: ['Fire safety inspection at malls in {city} this week', 'Fire drill at the office {time}', 'Civil defence fire training day in {city}'],
      ar: ['تمرين إخلاء عند حريق في المولات {time}', 'فحص أنظمة الإنذار من حريق في المباني', 'يوم تدريبي للدفاع المدني على إطفاء حريق في {city}'],
    },
    spike: {
      en: [
        'Huge fire near {district}, smoke everywhere {emoji}',
        'BREAKING: fire breaks out at a warehouse in {city}',
        'Fire trucks rushing to {district} right now',
        'You can see the fire from the highway {emoji}',
      ],
      ar: [
        'حريق كبير قرب {district} والدخان في كل مكان {emoji}',
        'عاجل: حريق في مستودع في {city}',
        'سيارات الدفاع المدني متجهة لموقع حريق في {district}',
        'حريق ضخم والدخان واضح من الطريق السريع {emoji}',
      ],
    },
    hashtags: { en: ['#fire'], ar: ['#حريق'] },
  },
  {
    en: 'outage',
    ar: 'انقطاع',
    chatter: {
      en: ['Planned outage for maintenance in {district} on {day}', 'Scheduled outage window for the banking app {time}', 'How the grid avoids an outage in peak summer'],
      ar: ['انقطاع مجدول للكهرباء في {district} يوم {day} للصيانة', 'انقطاع مؤقت لخدمة التطبيق {time} للتحديث', 'كيف تتجنب الشبكة أي انقطاع في ذروة الصيف'],
    },
    spike: {
      en: [
        'Massive outage, no internet or mobile data in {city} {emoji}',
        '@{brand} is there an outage? Nothing works',
        'Power outage across {district} right now',
        'Outage reports coming in from all over {city}',
      ],
      ar: ['انقطاع كامل للنت والجوال في {city} {emoji}', '@{brand} فيه انقطاع؟ ولا شي يشتغل', 'انقطاع الكهرباء عن {district} الحين', 'انقطاع واسع في {city} من ساعة {emoji}'],
    },
    hashtags: { en: ['#outage'], ar: ['#انقطاع'] },
  },
  {
    en: 'explosion',
    ar: 'انفجار',
    chatter: {
      en: ['Controlled explosion planned at the quarry near {city} {time}', 'Documentary tonight on the science of an explosion', 'Fireworks safety: keep away from any explosion risk'],
      ar: ['انفجار مخطط له في المحجر قرب {city} {time}', 'وثائقي الليلة عن فيزياء انفجار النجوم', 'تعليمات السلامة لتجنب انفجار أسطوانات الغاز'],
    },
    spike: {
      en: ['Loud explosion heard in {district}, anyone know what happened? {emoji}', 'BREAKING: explosion reported at an industrial site in {city}', 'Windows shook from the explosion in {district}'],
      ar: ['صوت انفجار قوي في {district}، أحد يعرف وش صار؟ {emoji}', 'عاجل: انفجار في موقع صناعي في {city}', 'انفجار هز النوافذ في {district}'],
    },
    hashtags: { en: ['#explosion'], ar: ['#انفجار'] },
  },
];

/** Strongly negative posts (the sentiment model's lexicon words, no negators) about one brand. */
export const NEGATIVE_POSTS: Record<Lang, readonly string[]> = {
  en: [
    'Absolutely terrible service from @{brand}. Worst experience ever {emoji}',
    '@{brand} this is a disgrace. Horrible support, rude staff, total disaster {emoji}',
    'Awful. @{brand} charged me twice and the app is broken. Pathetic {emoji}',
    'Disgusting customer service from @{brand}, I am furious {emoji}',
    'What a nightmare with @{brand} today. Useless, overpriced and rude {emoji}',
    'Worst company I have dealt with this year, @{brand} is a scam {emoji}',
  ],
  ar: [
    'خدمة سيئة جدا من @{brand}، أسوأ تجربة {emoji}',
    '@{brand} فضيحة! دعم فاشل وتعامل مستفز، كارثة {emoji}',
    'تجربة مقرفة مع @{brand}، خصموا المبلغ مرتين والتطبيق معطل {emoji}',
    'أسوأ شركة تعاملت معها @{brand}، نصب واحتيال {emoji}',
    'كارثة حقيقية مع @{brand} اليوم، خدمة زفت وأسعار مبالغ فيها {emoji}',
  ],
};

/** Spam: many links and hashtags, spam phrases, shouting; the same text again and again. */
export const SPAM_POSTS: Record<Lang, readonly string[]> = {
  en: [
    '🔥🔥 WIN a FREE iPhone!!! Click here 👉 {link} {link} #giveaway #free #win #iphone #crypto #bitcoin #promo #deal',
    'Earn $500 daily from home!!! Guaranteed income, DM me now 💰💰 {link} {link} #money #crypto #bitcoin #earn #income #investment',
    'FOLLOW BACK 100% ✅✅ get 10000 followers free!!! {link} {link} #f4f #followback #followers #likes #free #promo',
    'Limited offer!!! 90% discount only today, claim your prize {link} {link} #sale #discount #promo #deal #coupon #free',
  ],
  ar: [
    'اربح ايفون مجانا!!! اضغط على الرابط 👈 {link} {link} #مسابقة #هدايا #سحب #جوائز #ربح #اربح',
    'ربح مضمون 1000 ريال يوميا!!! راسلني خاص واتساب 💰💰 {link} {link} #استثمار #تداول #بيتكوين #فلوس #ربح',
    'زيادة متابعين 10000 متابع مجانا ✅✅ {link} {link} #متابعين #لايكات #تبادل_متابعة #ريتويت #مجانا',
    'عرض لفترة محدودة!!! خصم 90٪ سارع الآن {link} {link} #عروض #خصومات #تخفيضات #خصم #مجاني',
  ],
};
