/**
 * Background subjects. Templates avoid the watched keywords of the alert rules (earthquake, flood, fire,
 * outage, explosion and their Arabic forms): those appear only in the keyword chatter and spikes, so the
 * simulator controls their volume exactly.
 */
import type { Theme } from './types';

export const THEMES: readonly Theme[] = [
  {
    id: 'football',
    weight: 16,
    templates: {
      en: {
        pos: [
          'What a match! {team} were unstoppable tonight {emoji}',
          '{player} was incredible, best performance of the season {emoji}',
          'Three points and a clean sheet. Proud of {team} {emoji}',
          'That last-minute goal from {team} 😱 amazing finish',
          'Great atmosphere at the stadium in {city} {time} {emoji}',
        ],
        neu: [
          'Starting lineup for {team} vs {team} is out, kick-off at 9pm',
          '{team} training session {time} ahead of the derby',
          'Who do you think wins the league this year, {team} or {team}?',
          'Match report: {team} {g}-{g} {team}',
          'Tickets for the {day} game go on sale {time}',
        ],
        neg: [
          'Terrible defending from {team} again {emoji}',
          'That referee decision was a joke, we were robbed',
          'Another disappointing draw. {team} need a new coach',
          'Paid for the match stream and it kept buffering the whole second half {emoji}',
        ],
      },
      ar: {
        pos: [
          'مباراة رائعة! {team} كان ممتع الليلة {emoji}',
          'أداء {player} اليوم خرافي، أفضل مباراة له هذا الموسم {emoji}',
          'ثلاث نقاط مستحقة، فخورين بـ {team} {emoji}',
          'هدف قاتل في الدقيقة الأخيرة 😱 مبروك لجماهير {team}',
          'الأجواء في الملعب {time} كانت جميلة جدا {emoji}',
        ],
        neu: [
          'التشكيلة الرسمية لـ {team} ضد {team} الساعة ٩ مساء',
          'تدريبات {team} {time} استعدادا للديربي',
          'مين تتوقعون يحقق الدوري هالسنة؟ {team} ولا {team}؟',
          'نتيجة المباراة: {team} {g}-{g} {team}',
          'تذاكر مباراة {day} متاحة {time}',
        ],
        neg: [
          'دفاع {team} سيء جدا اليوم {emoji}',
          'قرار الحكم ظالم، ضاعت علينا المباراة',
          'تعادل مخيب مرة ثانية، {team} يحتاج مدرب جديد',
          'البث يقطع طول الشوط الثاني، خدمة سيئة {emoji}',
        ],
      },
    },
    hashtags: {
      en: ['#football', '#matchday', '#SPL', '#ChampionsLeague', '#AFCChampionsLeague', '#derby'],
      ar: ['#دوري_روشن', '#كرة_القدم', '#الهلال', '#النصر', '#الاتحاد', '#الديربي'],
    },
    videos: {
      en: ['Highlights: {team} vs {team}', 'All goals of the week', 'Post-match press conference | {team}'],
      ar: ['ملخص مباراة {team} و {team}', 'أجمل أهداف الجولة', 'المؤتمر الصحفي بعد مباراة {team}'],
    },
  },
  {
    id: 'tech',
    weight: 12,
    templates: {
      en: {
        pos: [
          'Just upgraded to {product} and the battery life is amazing {emoji}',
          'Loved the talk on {topic} at the summit in {city} {emoji}',
          'Our startup just closed its seed round! Huge thanks to the team {emoji}',
          '{product} is honestly the best purchase I made this year',
        ],
        neu: [
          'Anyone tried {product} yet? Thinking of switching',
          'Thread: what {topic} means for small businesses in the region 🧵',
          'Registration for the {topic} bootcamp in {city} opens {time}',
          'Comparing {product} with last year\'s model, specs below',
        ],
        neg: [
          '{product} keeps crashing after the update {emoji}',
          'Worst customer support ever, {product} still broken after two weeks',
          'Paid extra for {product} and it is useless, disappointed',
        ],
      },
      ar: {
        pos: [
          'غيرت إلى {product} والبطارية ممتازة {emoji}',
          'استمتعت بمحاضرة {topic} في مؤتمر {city} {emoji}',
          'شركتنا الناشئة أغلقت جولة التمويل الأولى! شكرا للفريق {emoji}',
          '{product} أفضل شي اشتريته هالسنة',
        ],
        neu: [
          'أحد جرب {product}؟ أفكر أغير',
          'سلسلة تغريدات: وش يعني {topic} للمشاريع الصغيرة 🧵',
          'التسجيل في معسكر {topic} في {city} يفتح {time}',
          'مقارنة بين {product} وموديل السنة الماضية، المواصفات تحت',
        ],
        neg: [
          '{product} يعلق بعد التحديث {emoji}',
          'دعم فني سيء، {product} خربان من أسبوعين',
          'دفعت زيادة على {product} وطلع فاشل، محبط',
        ],
      },
    },
    hashtags: {
      en: ['#AI', '#tech', '#startups', '#cybersecurity', '#5G', '#LEAP'],
      ar: ['#الذكاء_الاصطناعي', '#تقنية', '#ريادة_الأعمال', '#الأمن_السيبراني', '#الجيل_الخامس'],
    },
    videos: {
      en: ['Unboxing {product}', '{topic} explained in 10 minutes', 'Is {product} worth it? Honest review'],
      ar: ['فتح صندوق {product}', 'شرح {topic} في ١٠ دقائق', 'هل يستاهل {product}؟ مراجعة صريحة'],
    },
  },
  {
    id: 'weather',
    weight: 7,
    templates: {
      en: {
        pos: ['Beautiful weather in {city} {time}, perfect for a walk {emoji}', 'Finally some cool breeze in {city} {emoji}'],
        neu: ['Rain expected over {city} {time}, drive safe', 'Dust in the air over {city} {time}, visibility is low', 'Temperature in {city} hit {n}°C {time}'],
        neg: ['This heat in {city} is unbearable {emoji}', 'Sandstorm again, can barely see the road {emoji}'],
      },
      ar: {
        pos: ['الجو في {city} {time} رائع، مناسب للمشي {emoji}', 'أخيرا نسمة باردة في {city} {emoji}'],
        neu: ['توقعات بأمطار على {city} {time}، انتبهوا في الطريق', 'غبار على {city} {time} والرؤية ضعيفة', 'الحرارة في {city} وصلت {n} درجة {time}'],
        neg: ['الحر في {city} لا يطاق {emoji}', 'غبار مرة ثانية، الطريق ما يبين {emoji}'],
      },
    },
    hashtags: { en: ['#weather', '#rain', '#heatwave'], ar: ['#الطقس', '#أمطار', '#الحالة_المطرية', '#غبار'] },
  },
  {
    id: 'traffic',
    weight: 7,
    templates: {
      en: {
        pos: ['The new metro line in {city} is a game changer {emoji}', 'Zero traffic on the ring road {time}, loving it'],
        neu: ['Heavy traffic near {district} {time}, take the service road', 'Road closure in {district} until {day} for maintenance', 'Metro running every {n} minutes {time}'],
        neg: ['Stuck in traffic for an hour in {district} {emoji}', 'Two hours to cross {city}, this is a nightmare {emoji}'],
      },
      ar: {
        pos: ['المترو الجديد في {city} غير حياتنا {emoji}', 'الدائري فاضي {time}، شي جميل'],
        neu: ['زحمة قوية عند {district} {time}، خذوا الطريق الخدمي', 'إغلاق طريق في {district} لين {day} للصيانة', 'المترو يمر كل {n} دقايق {time}'],
        neg: ['ساعة كاملة واقف في زحمة {district} {emoji}', 'ساعتين عشان أقطع {city}، شي متعب {emoji}'],
      },
    },
    hashtags: { en: ['#traffic', '#metro', '#commute'], ar: ['#زحمة', '#المرور', '#مترو_الرياض'] },
  },
  {
    id: 'economy',
    weight: 8,
    templates: {
      en: {
        pos: ['Markets closed up {pct}% today, banks leading the gains {emoji}', 'Strong quarter for {brand}, revenue up {pct}%'],
        neu: ['Oil at ${price} a barrel {time}', 'Central bank keeps rates unchanged, statement due {time}', 'Gold price in {city} today: {price} per gram', 'IPO subscription for {brand} opens {day}'],
        neg: ['Index down {pct}% on weak earnings {emoji}', 'Prices in {city} keep going up, rent is ridiculous now'],
      },
      ar: {
        pos: ['السوق أغلق مرتفع {pct}٪ اليوم بقيادة البنوك {emoji}', 'ربع قوي لـ {brand} والإيرادات ارتفعت {pct}٪'],
        neu: ['النفط عند {price} دولار للبرميل {time}', 'البنك المركزي يثبت الفائدة والبيان {time}', 'سعر الذهب في {city} اليوم {price} للجرام', 'الاكتتاب في {brand} يبدأ {day}'],
        neg: ['المؤشر نزل {pct}٪ بعد نتائج ضعيفة {emoji}', 'الأسعار في {city} نار والإيجارات صارت مبالغ فيها'],
      },
    },
    hashtags: { en: ['#markets', '#oil', '#TASI', '#economy', '#IPO'], ar: ['#سوق_الأسهم', '#تاسي', '#النفط', '#الاقتصاد', '#اكتتاب'] },
  },
  {
    id: 'entertainment',
    weight: 9,
    templates: {
      en: {
        pos: ['Just finished {show}, absolutely loved it {emoji}', 'The concert in {city} last night was unreal {emoji}', 'Best episode so far, the writing is brilliant'],
        neu: ['{show} airs {time}, who is watching?', 'Cinema listings for {city} this {day}', 'Season 2 confirmed for {show}'],
        neg: ['{show} was so boring, gave up after episode 3 {emoji}', 'Overpriced tickets and terrible sound at the concert {emoji}'],
      },
      ar: {
        pos: ['خلصت {show}، حبيته مرة {emoji}', 'حفلة {city} أمس كانت خيال {emoji}', 'أحلى حلقة لين الحين، الكتابة رهيبة'],
        neu: ['{show} يعرض {time}، مين بيتابع؟', 'عروض السينما في {city} يوم {day}', 'تأكيد الجزء الثاني من {show}'],
        neg: ['{show} ممل جدا، وقفت بعد الحلقة الثالثة {emoji}', 'تذاكر غالية والصوت سيء في الحفلة {emoji}'],
      },
    },
    hashtags: { en: ['#Ramadan2025', '#Netflix', '#concert', '#cinema'], ar: ['#مسلسلات_رمضان', '#حفلة', '#سينما', '#موسم_الرياض'] },
    videos: {
      en: ['Official trailer | {show}', 'Behind the scenes of {show}', 'Live from {city}: full concert'],
      ar: ['الإعلان الرسمي | {show}', 'كواليس {show}', 'بث مباشر من {city}: الحفلة كاملة'],
    },
  },
  {
    id: 'food',
    weight: 8,
    templates: {
      en: {
        pos: ['Best {dish} in {city}, hands down {emoji}', 'Homemade {dish} for iftar today {emoji}', 'Found a hidden gem in {district}, the {dish} is amazing'],
        neu: ['Where can I find good {dish} in {city}?', 'Trying a new {dish} place in {district} {time}', 'Recipe: {dish} in 30 minutes, thread below'],
        neg: ['Cold {dish} and a two hour wait, never again {emoji}', 'Ordered {dish} from {brand} and it arrived stale {emoji}'],
      },
      ar: {
        pos: ['أطيب {dish} في {city} بدون منافس {emoji}', '{dish} من البيت على الفطور اليوم {emoji}', 'لقيت مطعم حلو في {district}، ال{dish} عندهم ممتاز'],
        neu: ['وين ألقى {dish} زين في {city}؟', 'بجرب مطعم {dish} جديد في {district} {time}', 'طريقة {dish} في ٣٠ دقيقة، التفاصيل تحت'],
        neg: ['{dish} بارد وانتظار ساعتين، ما راح أرجع {emoji}', 'طلبت {dish} من {brand} ووصل بايخ {emoji}'],
      },
    },
    hashtags: { en: ['#foodie', '#iftar', '#foodblogger', '#brunch'], ar: ['#مطاعم_الرياض', '#فطور_رمضان', '#طبخ', '#حلا'] },
    videos: { en: ['How to make {dish} at home', 'Trying the viral {dish} in {city}'], ar: ['طريقة عمل {dish} في البيت', 'جربت {dish} المشهور في {city}'] },
  },
  {
    id: 'travel',
    weight: 6,
    templates: {
      en: {
        pos: ['Landed in {city}, what a view {emoji}', 'Smooth check-in with {brand} today, well done {emoji}'],
        neu: ['Weekend trip to {city}, any recommendations?', 'Flights to {city} {time}: prices compared', 'Visa on arrival now available for {city} visitors'],
        neg: ['Flight delayed four hours with {brand} and no updates {emoji}', 'Lost luggage again with {brand}, terrible service {emoji}'],
      },
      ar: {
        pos: ['وصلت {city} والمنظر يجنن {emoji}', 'إجراءات سريعة مع {brand} اليوم، شكرا لكم {emoji}'],
        neu: ['رحلة نهاية الأسبوع إلى {city}، وش تنصحوني؟', 'أسعار الطيران إلى {city} {time}', 'التأشيرة عند الوصول متاحة الآن لزوار {city}'],
        neg: ['الرحلة متأخرة أربع ساعات مع {brand} وبدون أي تحديث {emoji}', 'ضاعت الشنطة مرة ثانية مع {brand}، خدمة سيئة {emoji}'],
      },
    },
    hashtags: { en: ['#travel', '#visitsaudi', '#wanderlust'], ar: ['#سياحة', '#سفر', '#روح_السعودية'] },
  },
  {
    id: 'occasions',
    weight: 6,
    templates: {
      en: {
        pos: ['Ramadan Kareem to everyone celebrating {emoji}', 'Eid Mubarak from our family to yours {emoji}', 'Jumu\'ah Mubarak, have a blessed Friday {emoji}'],
        neu: ['Iftar time in {city} today is 6:{n} pm', 'Eid prayer times for {city} announced', 'Malls in {city} open until 2am during Ramadan'],
        neg: ['Suhoor delivery took two hours {emoji}'],
      },
      ar: {
        pos: ['رمضان كريم وكل عام وأنتم بخير {emoji}', 'عيدكم مبارك وعساكم من عواده {emoji}', 'جمعة مباركة {emoji}'],
        neu: ['موعد الإفطار في {city} اليوم ٦:{n} مساء', 'إعلان مواعيد صلاة العيد في {city}', 'المولات في {city} تفتح لين ٢ الفجر في رمضان'],
        neg: ['توصيل السحور تأخر ساعتين {emoji}'],
      },
    },
    hashtags: { en: ['#Ramadan', '#EidMubarak', '#JummahMubarak'], ar: ['#رمضان', '#رمضان_كريم', '#عيد_الفطر', '#جمعة_مباركة'] },
  },
  {
    id: 'service',
    weight: 9,
    templates: {
      en: {
        pos: ['Shout out to @{brand} support, fixed my issue in five minutes {emoji}', 'Delivery from @{brand} arrived early, great service'],
        neu: ['@{brand} what are your opening hours {time}?', 'Has anyone used the new @{brand} app?', 'Waiting for my order from @{brand}, tracking says {n} minutes'],
        neg: ['@{brand} no internet at home since yesterday and nobody answers {emoji}', 'Charged twice by @{brand}, still waiting for a refund {emoji}', '@{brand} your app is down again, this is ridiculous'],
      },
      ar: {
        pos: ['شكرا @{brand} حلوا مشكلتي في خمس دقايق {emoji}', 'الطلب من @{brand} وصل قبل الموعد، خدمة ممتازة'],
        neu: ['@{brand} متى أوقات الدوام {time}؟', 'أحد جرب تطبيق @{brand} الجديد؟', 'أنتظر طلبي من @{brand}، التتبع يقول {n} دقيقة'],
        neg: ['@{brand} النت فاصل من أمس ومحد يرد {emoji}', '@{brand} خصمتوا المبلغ مرتين وللحين ما رجع {emoji}', '@{brand} التطبيق معطل مرة ثانية، شي مزعج'],
      },
    },
    hashtags: { en: ['#customerservice', '#help'], ar: ['#خدمة_العملاء', '#شكوى'] },
  },
  {
    id: 'daily',
    weight: 8,
    templates: {
      en: {
        pos: ['Morning coffee and a good book {emoji}', 'Grateful for the small things today {emoji}', 'Finished my first 10k run {emoji}'],
        neu: ['Monday again ☕', 'Anyone else working late {time}?', 'Moving to {district} next month, tips welcome'],
        neg: ['So tired of this week already {emoji}', 'Power bank died, phone died, day ruined {emoji}'],
      },
      ar: {
        pos: ['قهوة الصباح وكتاب حلو {emoji}', 'الحمدلله على كل شي {emoji}', 'خلصت أول ١٠ كيلو جري {emoji}'],
        neu: ['رجعنا للدوام ☕', 'أحد غيري سهران على الشغل {time}؟', 'بنتقل إلى {district} الشهر الجاي، أي نصايح؟'],
        neg: ['تعبان من هالأسبوع {emoji}', 'الجوال فصل شحن واليوم خربان {emoji}'],
      },
    },
    hashtags: { en: ['#motivation', '#mondaymood', '#fitness'], ar: ['#صباح_الخير', '#تحفيز', '#يوميات'] },
  },
  {
    id: 'education',
    weight: 4,
    templates: {
      en: {
        pos: ['Graduated today! {emoji}', 'Got accepted into the {topic} master\'s programme {emoji}'],
        neu: ['Final exams start {day}, good luck everyone', 'Scholarship applications for {topic} close {time}'],
        neg: ['The exam portal crashed in the middle of the test {emoji}'],
      },
      ar: {
        pos: ['تخرجت اليوم! {emoji}', 'انقبلت في ماجستير {topic} {emoji}'],
        neu: ['الاختبارات النهائية تبدأ {day}، بالتوفيق للجميع', 'التقديم على منح {topic} يقفل {time}'],
        neg: ['منصة الاختبار علقت في نص الاختبار {emoji}'],
      },
    },
    hashtags: { en: ['#graduation', '#exams', '#scholarship'], ar: ['#تخرج', '#الاختبارات', '#ابتعاث'] },
  },
];

/** News headlines per theme (background NEWS items). */
export const HEADLINES: Record<'en' | 'ar', readonly string[]> = {
  en: [
    '{team} beat {team} {g}-{g} to go top of the table',
    'Oil holds near ${price} as markets await central bank decision',
    'New metro line opens in {city}, cutting commute times',
    '{brand} reports {pct}% rise in quarterly profit',
    'Rain forecast across {city} {time}, authorities urge caution',
    '{city} to host regional {topic} summit next month',
    'Ramadan timings announced for government offices in {city}',
    'Index closes {pct}% higher led by banks',
    'Tourism numbers in {city} reach record high',
    'University in {city} launches {topic} programme',
  ],
  ar: [
    '{team} يفوز على {team} {g}-{g} ويتصدر الدوري',
    'النفط قرب {price} دولار والأسواق تترقب قرار الفائدة',
    'افتتاح خط مترو جديد في {city} يختصر وقت التنقل',
    '{brand} تعلن ارتفاع أرباحها الفصلية {pct}٪',
    'توقعات بأمطار على {city} {time} ودعوات للحذر',
    '{city} تستضيف قمة {topic} الإقليمية الشهر المقبل',
    'إعلان ساعات الدوام الرمضاني للجهات الحكومية في {city}',
    'المؤشر يغلق مرتفعا {pct}٪ بقيادة البنوك',
    'أعداد السياح في {city} تسجل رقما قياسيا',
    'جامعة في {city} تطلق برنامج {topic}',
  ],
};
