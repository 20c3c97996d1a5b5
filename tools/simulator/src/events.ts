/**
 * Builds the events of each platform the way its producer would send them: platform ids as idempotency
 * keys, platform URLs, replies pointing at earlier posts, engagement counters where the platform shows
 * them, and producer-side language hints on some events only.
 */
import type { EventInput } from '@sluice/client';
import type { EventKind } from '@sluice/contracts';
import { EMOJI, HEADLINES, LINK_SITES, OUTLETS, SLOTS, TELEGRAM_CHATS, THEMES, TRACKING, type Lang, type Theme, type Tone } from './corpus';
import { BASE62, BASE64URL, type Rng } from './random';
import type { Account, Platform, Population } from './population';

/** What produced an event: background traffic or one of the injected scenarios. */
export type Scenario = 'background' | 'chatter' | 'spike' | 'negative' | 'spam';

const TWITTER_EPOCH = 1_288_834_974_657;

/** Fills {slots}; a slot used twice gets two different values; goals ({g}) come out highest first. */
export function fillTemplate(template: string, lang: Lang, tone: Tone, rng: Rng, fixed: Record<string, string> = {}): string {
  const used = new Map<string, Set<string>>();
  const goals = [...template.matchAll(/\{g\}/g)].map(() => rng.int(0, 4)).sort((a, b) => b - a);
  const text = template.replace(/\{(\w+)\}/g, (whole, slot: string) => {
    if (fixed[slot] !== undefined) return fixed[slot];
    switch (slot) {
      case 'emoji':
        return rng.pick(EMOJI[tone]);
      case 'n':
        return String(rng.int(2, 45));
      case 'd':
        return String(rng.int(1, 9));
      case 'g':
        return String(goals.shift() ?? 0);
      case 'pct':
        return (rng.int(2, 39) / 10).toFixed(1);
      case 'price':
        return String(rng.int(60, 110));
      default: {
        const values = SLOTS[lang][slot];
        if (!values) return whole;
        const seen = used.get(slot) ?? new Set<string>();
        used.set(slot, seen);
        let v = rng.pick(values);
        for (let i = 0; i < 5 && seen.has(v); i++) v = rng.pick(values);
        seen.add(v);
        return v;
      }
    }
  });
  // A slot at the start of an English sentence ("{show} airs tonight") starts it with a capital.
  return lang === 'en' && /^[a-z]/.test(text) ? text[0].toUpperCase() + text.slice(1) : text;
}

function snowflake(time: number, rng: Rng): string {
  // Twitter ids: milliseconds since the Twitter epoch, then 22 bits of worker and sequence.
  return (BigInt(Math.max(0, time - TWITTER_EPOCH)) * 4_194_304n + BigInt(rng.int(0, 4_194_303))).toString();
}

export function languageOf(account: Account, rng: Rng): Lang {
  return account.langs.length > 1 && rng.chance(0.25) ? account.langs[1] : account.langs[0];
}

function toneFor(account: Account, rng: Rng): Tone {
  // Large accounts post news and announcements; complaints and rants come from ordinary users, so
  // background traffic never looks like an influencer backlash.
  if (account.tier === 'notable') return rng.chance(0.65) ? 'neu' : 'pos';
  return rng.weighted<Tone>([
    ['pos', 35],
    ['neu', 45],
    ['neg', 20],
  ]);
}

function hashtags(theme: Pick<Theme, 'hashtags'>, lang: Lang, rng: Rng, max: number): string[] {
  const n = rng.weighted<number>([
    [0, 35],
    [1, 35],
    [2, 20],
    [3, 10],
  ]);
  const own = rng.sample(theme.hashtags[lang], Math.min(n, max));
  // Bilingual posters often add a tag in the other script.
  if (own.length > 0 && rng.chance(0.12)) own.push(rng.pick(theme.hashtags[lang === 'ar' ? 'en' : 'ar']));
  return own;
}

const SLUG_WORDS = ['new', 'guide', 'city', 'market', 'season', 'review', 'match', 'weekend', 'best', 'update', 'report', 'plan', 'metro', 'prices', 'launch', 'tips'];

export function trackedLink(rng: Rng, site = rng.pick(LINK_SITES)): string {
  const path = rng.pick(['news', 'tech', 'sport', 'deals', 'article', 'p', 'watch', 'story']);
  const slug = rng.sample(SLUG_WORDS, rng.int(2, 4)).join('-');
  const host = rng.chance(0.3) ? `www.${site}` : site;
  const q = rng.chance(0.75) ? `?${rng.pick(TRACKING)(rng)}` : '';
  return `https://${host}/${path}/${slug}${rng.chance(0.4) ? `-${rng.digits(5)}` : ''}${q}`;
}

function engagement(followers: number, rng: Rng, viewsFactor = 0.4) {
  const reach = Math.max(5, followers * rng.logNormal(viewsFactor, 0.9));
  const likes = Math.round(reach * rng.logNormal(0.02, 1));
  return { likes, shares: Math.round(likes * rng.logNormal(0.12, 1)), comments: Math.round(likes * rng.logNormal(0.08, 1)), views: Math.round(reach) };
}

export interface EventParts {
  kind: EventKind;
  text: string | null;
  lang: Lang;
}

/**
 * Makes events for one stream of traffic. Each stream keeps its own memory (recent posts to reply to,
 * tracked links, chat message numbers), so streams do not change one another's content.
 */
export class EventFactory {
  private readonly recent = new Map<Platform, Array<{ id: string; handle: string; url: string }>>();
  private readonly links: Array<{ url: string; counts: { likes: number; shares: number; comments: number; views: number } }> = [];
  private readonly chatSeq = new Map<string, number>();

  constructor(
    readonly population: Population,
    private readonly rng: Rng,
    /** Ids draw from their own stream, seeded with the start time, so each run's ids are new while its content repeats. */
    private readonly ids: Rng,
    private readonly scenario: Scenario,
  ) {}

  private remember(platform: Platform, entry: { id: string; handle: string; url: string }): void {
    let list = this.recent.get(platform);
    if (!list) this.recent.set(platform, (list = []));
    list.push(entry);
    if (list.length > 200) list.shift();
  }

  private parent(platform: Platform) {
    const list = this.recent.get(platform);
    return list && list.length > 0 ? this.rng.pick(list) : undefined;
  }

  private attributes(extra: Record<string, string> = {}): Record<string, string> {
    return { simulation: this.scenario, ...extra };
  }

  /** Producers pass a language hint on some events only; enrich detects its own. */
  private hint(lang: Lang): string | null {
    return this.rng.chance(0.6) ? lang : null;
  }

  pickTheme(): Theme {
    return this.rng.weighted(THEMES.map((t) => [t, t.weight] as const));
  }

  /** A background event of `platform` at event time `time`. */
  background(platform: Platform, time: number): EventInput {
    switch (platform) {
      case 'twitter':
        return this.tweet(this.population.poster('twitter', this.rng), time, this.pickTheme());
      case 'facebook':
        return this.facebook(time, this.pickTheme());
      case 'youtube':
        return this.youtube(time, this.pickTheme());
      case 'telegram':
        return this.telegram(time, this.pickTheme());
      case 'news':
        return this.news(time);
      case 'web':
        return this.rng.chance(0.5) ? this.linkShare(time) : this.linkMetric(time);
    }
  }

  /** The text of a post: a filled template, hashtags, sometimes a mention or a link. */
  private compose(theme: Theme, lang: Lang, tone: Tone, options: { link?: boolean; maxTags?: number; followers?: number | null } = {}): string {
    let text = fillTemplate(this.rng.pick(theme.templates[lang][tone]), lang, tone, this.rng);
    if (this.rng.chance(0.1)) text = `@${this.population.poster('twitter', this.rng).handle} ${text}`;
    const tags = hashtags(theme, lang, this.rng, options.maxTags ?? 3);
    // Links are shared mostly by established accounts; a tiny account's link post is spam's signature.
    if (options.link && this.rng.chance((options.followers ?? 0) >= 100 ? 0.25 : 0.03)) text += ` ${trackedLink(this.rng)}`;
    if (tags.length) text += ` ${tags.join(' ')}`;
    return text;
  }

  tweet(author: Account, time: number, theme: Theme, override?: { text: string; lang: Lang }): EventInput {
    const sid = snowflake(time, this.ids);
    const lang = override?.lang ?? languageOf(author, this.rng);
    const reply = override ? undefined : this.rng.chance(0.2) ? this.parent('twitter') : undefined;
    const tone = toneFor(author, this.rng);
    let text = override?.text ?? this.compose(theme, lang, tone, { link: true, followers: author.followers });
    if (reply) text = `@${reply.handle} ${fillTemplate(this.rng.pick(theme.templates[lang][tone]), lang, tone, this.rng)}`;
    const url = `https://x.com/${author.handle}/status/${sid}`;
    if (!reply) this.remember('twitter', { id: `twitter:${sid}`, handle: author.handle, url });
    return {
      id: `twitter:${sid}`,
      source: 'twitter',
      kind: reply ? 'COMMENT' : 'POST',
      occurredAt: time,
      author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
      text,
      url,
      lang: this.hint(lang),
      parentId: reply?.id ?? null,
      engagement: engagement(author.followers, this.rng),
      attributes: this.attributes(this.rng.chance(0.2) ? { geo: fillTemplate('{city}', 'en', 'neu', this.rng) } : {}),
    };
  }

  private facebook(time: number, theme: Theme): EventInput {
    const author = this.population.poster('facebook', this.rng);
    const lang = languageOf(author, this.rng);
    const tone = toneFor(author, this.rng);
    const post = this.rng.chance(0.7) ? this.parent('facebook') : undefined;
    const nid = this.ids.digits(16);
    if (post) {
      return {
        id: `facebook:${nid}`,
        source: 'facebook',
        kind: 'COMMENT',
        occurredAt: time,
        author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
        text: fillTemplate(this.rng.pick(theme.templates[lang][tone]), lang, tone, this.rng),
        url: `${post.url}?comment_id=${this.ids.digits(15)}`,
        lang: this.hint(lang),
        parentId: post.id,
        engagement: { likes: this.rng.int(0, 40), shares: 0, comments: this.rng.int(0, 5), views: 0 },
        attributes: this.attributes(),
      };
    }
    return this.facebookPost(author, time, { text: this.compose(theme, lang, tone, { link: true, followers: author.followers }), lang }, nid);
  }

  /** A post on a page or profile (comments refer to these). */
  facebookPost(author: Account, time: number, content: { text: string; lang: Lang }, nid = this.ids.digits(16)): EventInput {
    const url = `https://www.facebook.com/${author.handle}/posts/pfbid0${this.ids.chars(30, BASE62)}`;
    this.remember('facebook', { id: `facebook:${nid}`, handle: author.handle, url });
    return {
      id: `facebook:${nid}`,
      source: 'facebook',
      kind: 'POST',
      occurredAt: time,
      author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
      text: content.text,
      url,
      lang: this.hint(content.lang),
      parentId: null,
      engagement: engagement(author.followers, this.rng, 0.2),
      attributes: this.attributes(),
    };
  }

  private youtube(time: number, theme: Theme): EventInput {
    const author = this.population.poster('youtube', this.rng);
    const lang = languageOf(author, this.rng);
    const tone = toneFor(author, this.rng);
    const video = this.rng.chance(0.75) ? this.parent('youtube') : undefined;
    if (video || !theme.videos) {
      const target = video ?? this.parent('youtube');
      const cid = `Ugx${this.ids.chars(20, BASE64URL)}4AaABAg`;
      return {
        id: `youtube:comment:${cid}`,
        source: 'youtube',
        kind: 'COMMENT',
        occurredAt: time,
        author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
        text: fillTemplate(this.rng.pick(theme.templates[lang][tone]), lang, tone, this.rng),
        url: target ? `${target.url}&lc=${cid}` : null,
        lang: this.hint(lang),
        parentId: target?.id ?? null,
        engagement: { likes: this.rng.int(0, 300), shares: 0, comments: this.rng.int(0, 12), views: 0 },
        attributes: this.attributes(),
      };
    }
    const vid = this.ids.chars(11, BASE64URL);
    const url = `https://www.youtube.com/watch?v=${vid}`;
    this.remember('youtube', { id: `youtube:${vid}`, handle: author.handle, url });
    const title = fillTemplate(this.rng.pick(theme.videos[lang]), lang, 'neu', this.rng);
    const tags = hashtags(theme, lang, this.rng, 3);
    return {
      id: `youtube:${vid}`,
      source: 'youtube',
      kind: 'VIDEO',
      occurredAt: time,
      author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
      text: tags.length ? `${title} | ${tags.join(' ')}` : title,
      url,
      lang: this.hint(lang),
      parentId: null,
      engagement: engagement(author.followers, this.rng, 0.05),
      attributes: this.attributes({ durationSeconds: String(this.rng.int(45, 1800)) }),
    };
  }

  /**
   * A Telegram message: channels post as themselves (followers are their subscribers), group members
   * chat under their own accounts (Telegram shows no follower counts for people).
   */
  telegram(time: number, theme: Theme, override?: { text: string; lang: Lang; author?: Account; groupsOnly?: boolean }): EventInput {
    const chat = this.rng.pick(override?.groupsOnly ? TELEGRAM_CHATS.filter((c) => c.type === 'group') : TELEGRAM_CHATS);
    const channel = chat.type === 'channel';
    const member = override?.author ?? this.population.poster('telegram', this.rng);
    const lang = override?.lang ?? (this.rng.chance(0.8) ? chat.lang : languageOf(member, this.rng));
    const seq = (this.chatSeq.get(chat.name) ?? this.ids.int(1000, 90_000)) + 1;
    this.chatSeq.set(chat.name, seq);
    // A channel is an outlet: news and announcements, no rants.
    const tone: Tone = channel ? (this.rng.chance(0.7) ? 'neu' : 'pos') : toneFor(member, this.rng);
    const text = override?.text ?? this.compose(theme, lang, tone, { link: channel, maxTags: 2, followers: channel ? chat.subscribers : member.followers });
    return {
      id: `telegram:${chat.name}:${seq}`,
      source: 'telegram',
      kind: 'CHAT',
      occurredAt: time,
      author: channel ? { id: chat.id, handle: chat.name, followers: chat.subscribers, verified: false } : { id: member.id, handle: member.handle, followers: null, verified: false },
      text,
      url: channel ? `https://t.me/${chat.name}/${seq}` : null,
      lang: this.hint(lang),
      parentId: null,
      engagement: channel ? { likes: 0, shares: this.rng.int(0, 50), comments: 0, views: Math.round(chat.subscribers * this.rng.logNormal(0.2, 0.5)) } : null,
      attributes: this.attributes({ chat: chat.name, chatType: chat.type }),
    };
  }

  news(time: number, override?: { text: string; lang: Lang }): EventInput {
    const lang: Lang = override?.lang ?? (this.rng.chance(0.55) ? 'ar' : 'en');
    const outlet = this.rng.pick(OUTLETS.filter((o) => o.lang === lang));
    const section = this.rng.pick(['local', 'sport', 'business', 'tech', 'world', 'culture']);
    const d = new Date(time);
    const articleId = this.ids.digits(7);
    const text = override?.text ?? fillTemplate(this.rng.pick(HEADLINES[lang]), lang, 'neu', this.rng);
    const q = this.rng.chance(0.6) ? `?${this.rng.pick(TRACKING)(this.rng)}` : '';
    return {
      id: `news:${outlet.domain}:${articleId}`,
      source: 'news',
      kind: 'NEWS',
      occurredAt: time,
      author: { id: outlet.id, handle: outlet.handle, followers: outlet.followers, verified: true },
      text,
      url: `https://${outlet.domain}/${section}/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${articleId}${q}`,
      lang,
      parentId: null,
      engagement: null,
      attributes: this.attributes({ outlet: outlet.name, section }),
    };
  }

  private linkShare(time: number): EventInput {
    const author = this.population.poster('web', this.rng);
    const lang = languageOf(author, this.rng);
    const url = trackedLink(this.rng);
    this.links.push({ url, counts: { likes: 0, shares: 0, comments: 0, views: 0 } });
    if (this.links.length > 100) this.links.shift();
    const comment = lang === 'ar' ? this.rng.pick(['شوفوا هذا', 'مقال مهم', 'يستاهل القراءة', 'للمهتمين', '']) : this.rng.pick(['Worth a read', 'Interesting', 'Have a look', 'Saving this for later', '']);
    return {
      id: `web:link:${this.ids.digits(12)}`,
      source: 'web',
      kind: 'LINK',
      occurredAt: time,
      author: { id: author.id, handle: author.handle, followers: author.followers, verified: author.verified },
      text: comment ? `${comment} ${url}` : url,
      url,
      lang: this.hint(lang),
      parentId: null,
      engagement: null,
      attributes: this.attributes({ via: this.rng.pick(['forum', 'blog', 'newsletter', 'whatsapp-share']) }),
    };
  }

  /** Engagement counters of a shared link, growing with every observation. */
  private linkMetric(time: number): EventInput {
    if (this.links.length === 0) this.links.push({ url: trackedLink(this.rng), counts: { likes: 0, shares: 0, comments: 0, views: 0 } });
    const link = this.rng.pick(this.links);
    const c = link.counts;
    const views = Math.round(this.rng.logNormal(120, 1.2));
    c.views += views;
    c.likes += Math.round(views * this.rng.logNormal(0.03, 0.6));
    c.shares += Math.round(views * this.rng.logNormal(0.01, 0.8));
    c.comments += Math.round(views * this.rng.logNormal(0.004, 0.8));
    const host = new URL(link.url).host.replace(/^www\./, '');
    return {
      id: `web:metric:${this.ids.digits(12)}`,
      source: 'web',
      kind: 'LINK_METRIC',
      occurredAt: time,
      author: { id: `site:${host}`, handle: host, followers: null, verified: false },
      text: null,
      url: link.url,
      lang: null,
      parentId: null,
      engagement: { ...c },
      attributes: this.attributes({ metric: 'cumulative', window: '5m' }),
    };
  }
}
