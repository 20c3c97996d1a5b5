/**
 * The traffic timeline: background events as a Poisson process at the configured rate, the everyday
 * chatter of the watched keywords, and the injected bursts, merged in time order. Pure and deterministic:
 * the same options give the same events (ids also depend on startTime, so each run's ids are new).
 */
import type { EventInput } from '@sluice/client';
import { BRAND_HANDLES, NEGATIVE_POSTS, SPAM_POSTS, WATCHED, type Lang, type WatchedPair } from './corpus';
import { EventFactory, fillTemplate, languageOf, trackedLink, type Scenario } from './events';
import { DEFAULT_POPULATION, INFLUENCER_FOLLOWERS, Population, accountId, type Account, type Platform, type PopulationOptions } from './population';
import { BASE62, Rng } from './random';

export type BurstKind = 'spike' | 'negative' | 'spam';
export const BURST_KINDS: readonly BurstKind[] = ['spike', 'negative', 'spam'];

export interface TrafficOptions {
  seed: string | number;
  /** Background events per second. */
  rate: number;
  /** Live duration in ms; undefined or Infinity: no end (stop by count, or by the caller). */
  durationMs?: number;
  /** Live events (background and bursts) after which the timeline ends. */
  count?: number;
  bursts?: readonly BurstKind[];
  /** Event time of the live start (epoch ms). */
  startTime: number;
  /**
   * History sent before the live traffic, with event times in [startTime - historyMs, startTime): the
   * anomaly model needs 10 closed minutes of an entity before it scores a spike. Default 15 minutes when
   * a spike is planned, else none.
   */
  historyMs?: number;
  /** When the first bursts start, after the live start (default 10 s). */
  firstBurstAtMs?: number;
  /** The negative burst starts this long after the spike, the spam burst twice as long (default 5 s). */
  burstStaggerMs?: number;
  /** Bursts repeat this often (default 10 minutes: the influencer rule's window, so every repeat is a new alert). */
  burstEveryMs?: number;
  /** Everyday mentions of each watched keyword form per minute (default 12). */
  chatterPerMinute?: number;
  /** A spike's per-minute volume of its keyword forms, as a multiple of their chatter (default 8). */
  spikeFactor?: number;
  /** How long a spike lasts (default 2 minutes: at least one whole minute bucket of the anomaly model). */
  spikeMs?: number;
  /** Watched keywords to spike, in turn (English forms: earthquake, flood, fire, outage, explosion; default all). */
  spikeKeywords?: readonly string[];
  /** Distinct accounts with >= 10,000 followers in a negative burst (default 12). */
  negativePosts?: number;
  negativeMs?: number;
  spamAccounts?: number;
  spamPostsPerAccount?: number;
  spamMs?: number;
  population?: Partial<PopulationOptions>;
}

export interface TimedEvent {
  /** Ms after the live start; negative for history. */
  atMs: number;
  scenario: Scenario;
  event: EventInput;
}

/** What a planned burst is about, for reports and tests. */
export interface PlannedBurst {
  kind: BurstKind;
  startMs: number;
  endMs: number;
  /** spike: the keyword pair; negative: the brand; spam: the account handles. */
  subject: string;
}

const PLATFORM_WEIGHTS: ReadonlyArray<readonly [Platform, number]> = [
  ['twitter', 40],
  ['facebook', 17],
  ['youtube', 10],
  ['telegram', 15],
  ['news', 8],
  ['web', 10],
];

/** Event time of an event planned at `atMs` that reached the producer `delayMs` later; never before the history. */
function eventTime(r: Resolved, atMs: number, delayMs: number): number {
  return Math.max(r.startTime + r.historyFromMs, r.startTime + atMs - delayMs);
}

/** How long after the fact a platform's events reach the producer (ms). */
function delayOf(platform: Platform, rng: Rng): number {
  if (platform === 'news') return Math.min(300_000, Math.round(rng.exponential(30_000)));
  if (platform === 'web') return Math.min(60_000, Math.round(rng.exponential(3000)));
  return Math.min(60_000, Math.round(rng.exponential(1500)));
}

export function resolveOptions(o: TrafficOptions) {
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new Error(`rate: expected events per second above 0, got ${o.rate}`);
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 0)) throw new Error(`count: expected a whole number of events, got ${o.count}`);
  if (o.durationMs !== undefined && !(o.durationMs >= 0)) throw new Error(`duration: expected 0 or more, got ${o.durationMs}`);
  const bursts = [...new Set(o.bursts ?? [])];
  for (const b of bursts) if (!BURST_KINDS.includes(b)) throw new Error(`burst: expected one of ${BURST_KINDS.join(', ')}, got ${JSON.stringify(b)}`);
  const spikeKeywords = o.spikeKeywords ?? WATCHED.map((w) => w.en);
  const pairs = spikeKeywords.map((k) => {
    const pair = WATCHED.find((w) => w.en === k || w.ar === k);
    if (!pair) throw new Error(`spike keyword ${JSON.stringify(k)}: expected one of the watched keywords ${WATCHED.map((w) => `${w.en}/${w.ar}`).join(', ')}`);
    return pair;
  });
  if (pairs.length === 0) throw new Error('spikeKeywords: expected at least one watched keyword');
  const durationMs = o.durationMs === undefined || o.durationMs === 0 ? Infinity : o.durationMs;
  const historyMs = o.historyMs ?? (bursts.includes('spike') ? 15 * 60_000 : 0);
  if (!(historyMs >= 0)) throw new Error(`history: expected 0 or more, got ${historyMs}`);
  // History starts on a minute boundary of event time, so its first minute bucket is a whole one (the
  // anomaly model seeds an entity's baseline with its first bucket).
  const historyFromMs = historyMs > 0 ? Math.floor((o.startTime - historyMs) / 60_000) * 60_000 - o.startTime : 0;
  return {
    ...o,
    seed: String(o.seed),
    bursts,
    pairs,
    durationMs,
    count: o.count ?? Infinity,
    historyMs,
    historyFromMs,
    firstBurstAtMs: o.firstBurstAtMs ?? 10_000,
    burstEveryMs: o.burstEveryMs ?? 600_000,
    burstStaggerMs: o.burstStaggerMs ?? 5000,
    chatterPerMinute: o.chatterPerMinute ?? 12,
    spikeFactor: o.spikeFactor ?? 8,
    spikeMs: o.spikeMs ?? 120_000,
    negativePosts: o.negativePosts ?? 12,
    negativeMs: o.negativeMs ?? 90_000,
    spamAccounts: o.spamAccounts ?? 5,
    spamPostsPerAccount: o.spamPostsPerAccount ?? 5,
    spamMs: o.spamMs ?? 60_000,
    population: { ...DEFAULT_POPULATION, ...o.population },
  };
}
type Resolved = ReturnType<typeof resolveOptions>;

/** Start times of the burst cycles within the live duration (lazily; endless when the duration is). */
function* cycles(r: Resolved): Generator<{ k: number; startMs: number }> {
  for (let k = 0; ; k++) {
    const startMs = r.firstBurstAtMs + k * r.burstEveryMs;
    if (startMs >= r.durationMs) return;
    yield { k, startMs };
  }
}

/** The watched keyword pairs spiked in this run (they get everyday chatter from the start of history). */
function spikedPairs(r: Resolved): WatchedPair[] {
  if (!r.bursts.includes('spike')) return [];
  const out: WatchedPair[] = [];
  for (const { k } of cycles(r)) {
    const pair = r.pairs[k % r.pairs.length];
    if (out.includes(pair)) break;
    out.push(pair);
  }
  return out;
}

/** The bursts of the run, in order (the first `limit` when the run has no end). */
export function plannedBursts(options: TrafficOptions, limit = 100): PlannedBurst[] {
  const r = resolveOptions(options);
  const out: PlannedBurst[] = [];
  for (const { k, startMs } of cycles(r)) {
    if (out.length >= limit) break;
    if (r.bursts.includes('spike')) {
      const pair = r.pairs[k % r.pairs.length];
      out.push({ kind: 'spike', startMs, endMs: startMs + r.spikeMs, subject: `${pair.en}/${pair.ar}` });
    }
    const neg = startMs + r.burstStaggerMs;
    const spm = startMs + 2 * r.burstStaggerMs;
    if (r.bursts.includes('negative')) out.push({ kind: 'negative', startMs: neg, endMs: neg + r.negativeMs, subject: BRAND_HANDLES[k % BRAND_HANDLES.length] });
    if (r.bursts.includes('spam')) out.push({ kind: 'spam', startMs: spm, endMs: spm + r.spamMs, subject: `${r.spamAccounts} new accounts` });
  }
  return out;
}

/** Poisson arrivals at `perSecond` over [fromMs, toMs). */
function* arrivals(rng: Rng, perSecond: number, fromMs: number, toMs: number): Generator<number> {
  const mean = 1000 / perSecond;
  for (let t = fromMs + rng.exponential(mean); t < toMs; t += rng.exponential(mean)) yield Math.round(t);
}

/** Times spread at random over [fromMs, fromMs + spanMs), in order. */
function spread(rng: Rng, n: number, fromMs: number, spanMs: number): number[] {
  return Array.from({ length: n }, () => fromMs + Math.round(rng.next() * spanMs)).sort((a, b) => a - b);
}

const asPlatform = (rng: Rng, weights: ReadonlyArray<readonly [Platform, number]>) => rng.weighted(weights);

function* background(r: Resolved, population: Population, rng: Rng, ids: Rng): Generator<TimedEvent> {
  const factory = new EventFactory(population, rng.fork('content'), ids, 'background');
  const timing = rng.fork('timing');
  for (const atMs of arrivals(timing, r.rate, r.historyFromMs, r.durationMs)) {
    const platform = asPlatform(timing, PLATFORM_WEIGHTS);
    yield { atMs, scenario: 'background', event: factory.background(platform, eventTime(r, atMs, delayOf(platform, timing))) };
  }
}

/** A watched-keyword post (chatter or spike) on a platform where such posts appear. */
function keywordEvent(factory: EventFactory, population: Population, rng: Rng, pair: WatchedPair, lang: Lang, texts: readonly string[], time: number, emojiTone: 'neu' | 'neg'): EventInput {
  const platform = rng.weighted<Platform>([
    ['twitter', 50],
    ['telegram', 20],
    ['facebook', 15],
    ['news', 15],
  ]);
  // Outlets carry wire-style headlines only; people react in their own words.
  const wire = texts.filter((t) => /^(BREAKING|عاجل)/.test(t));
  const news = platform === 'news' && (emojiTone === 'neu' || wire.length > 0);
  let text = fillTemplate(rng.pick(news && emojiTone === 'neg' ? wire : texts), lang, emojiTone, rng);
  if (news) return factory.news(time, { text, lang });
  if (rng.chance(0.5)) text += ` ${pair.hashtags[lang][0]}`;
  if (rng.chance(0.1)) text += ` ${pair.hashtags[lang === 'ar' ? 'en' : 'ar'][0]}`;
  // Ordinary accounts: the spike exercises the volume rules, not the influencer rule.
  // Many different people, each equally likely: no single account carries a keyword's volume.
  if (platform === 'telegram') return factory.telegram(time, factory.pickTheme(), { text, lang, author: population.anyone('telegram', rng, 'regular'), groupsOnly: true });
  if (platform === 'facebook') return factory.facebookPost(population.anyone('facebook', rng, 'regular'), time, { text, lang });
  return factory.tweet(population.anyone('twitter', rng, 'regular'), time, factory.pickTheme(), { text, lang });
}

function* chatter(r: Resolved, pair: WatchedPair, population: Population, rng: Rng, ids: Rng): Generator<TimedEvent> {
  const factory = new EventFactory(population, rng.fork('content'), ids, 'chatter');
  const timing = rng.fork('timing');
  for (const atMs of arrivals(timing, (r.chatterPerMinute * 2) / 60, r.historyFromMs, r.durationMs)) {
    const lang: Lang = timing.chance(0.5) ? 'ar' : 'en';
    yield { atMs, scenario: 'chatter', event: keywordEvent(factory, population, timing, pair, lang, pair.chatter[lang], eventTime(r, atMs, delayOf('twitter', timing)), 'neu') };
  }
}

function* spikes(r: Resolved, population: Population, rng: Rng, ids: Rng): Generator<TimedEvent> {
  for (const { k, startMs } of cycles(r)) {
    const pair = r.pairs[k % r.pairs.length];
    const c = rng.fork(`cycle-${k}`);
    const factory = new EventFactory(population, c.fork('content'), ids.fork(`cycle-${k}`), 'spike');
    const perSecond = (r.chatterPerMinute * r.spikeFactor * 2) / 60;
    for (const atMs of arrivals(c, perSecond, startMs, Math.min(startMs + r.spikeMs, r.durationMs))) {
      const lang: Lang = c.chance(0.5) ? 'ar' : 'en';
      yield { atMs, scenario: 'spike', event: keywordEvent(factory, population, c, pair, lang, pair.spike[lang], eventTime(r, atMs, delayOf('twitter', c)), 'neg') };
    }
  }
}

function* negatives(r: Resolved, population: Population, rng: Rng, ids: Rng): Generator<TimedEvent> {
  const influencers = population.influencers('twitter', INFLUENCER_FOLLOWERS);
  if (influencers.length < r.negativePosts) {
    throw new Error(`a negative burst needs ${r.negativePosts} accounts with ${INFLUENCER_FOLLOWERS}+ followers; the population has ${influencers.length} (raise population.size or notableShare)`);
  }
  for (const { k, startMs } of cycles(r)) {
    const c = rng.fork(`cycle-${k}`);
    const factory = new EventFactory(population, c.fork('content'), ids.fork(`cycle-${k}`), 'negative');
    const brand = BRAND_HANDLES[k % BRAND_HANDLES.length];
    const authors = c.sample(influencers, r.negativePosts);
    const times = spread(c, authors.length, startMs + r.burstStaggerMs, r.negativeMs);
    for (let i = 0; i < authors.length; i++) {
      if (times[i] >= r.durationMs) return;
      const lang = languageOf(authors[i], c);
      let text = fillTemplate(c.pick(NEGATIVE_POSTS[lang]), lang, 'neg', c, { brand });
      if (c.chance(0.5)) text += lang === 'ar' ? ' #شكوى' : ` #${brand}Fail`;
      yield { atMs: times[i], scenario: 'negative', event: factory.tweet(authors[i], eventTime(r, times[i], delayOf('twitter', c)), factory.pickTheme(), { text, lang }) };
    }
  }
}

const SPAM_WORDS = ['win', 'free', 'promo', 'deals', 'crypto', 'gift', 'bonus', 'earn'];
const SPAM_TAILS = ['prizes', 'money', 'offers', '4u', 'now', 'daily', 'club'];

function* spam(r: Resolved, rng: Rng, ids: Rng, population: Population): Generator<TimedEvent> {
  for (const { k, startMs } of cycles(r)) {
    const c = rng.fork(`cycle-${k}`);
    const idRng = ids.fork(`cycle-${k}`);
    const factory = new EventFactory(population, c.fork('content'), idRng, 'spam');
    // A ring of fresh, tiny accounts pushing the same landing pages.
    const landing = { en: trackedLink(c, 'free-prize.example'), ar: trackedLink(c, 'arbah-alaan.example') };
    const accounts: Array<{ account: Account; template: string; lang: Lang; short: string }> = [];
    for (let a = 0; a < r.spamAccounts; a++) {
      const lang: Lang = c.chance(0.5) ? 'ar' : 'en';
      const account: Account = {
        platform: 'twitter',
        id: accountId('twitter', idRng),
        handle: `${c.pick(SPAM_WORDS)}_${c.pick(SPAM_TAILS)}_${c.digits(4)}`,
        followers: c.int(0, 40),
        verified: false,
        langs: [lang],
        activity: 1,
        ageDays: c.int(0, 3),
        tier: 'regular',
      };
      accounts.push({ account, template: c.pick(SPAM_POSTS[lang]), lang, short: `https://bit.ly/${c.chars(7, BASE62)}` });
    }
    const posts = accounts.flatMap((a) => Array.from({ length: r.spamPostsPerAccount }, () => a));
    const times = spread(c, posts.length, startMs + 2 * r.burstStaggerMs, r.spamMs);
    for (let i = 0; i < posts.length; i++) {
      if (times[i] >= r.durationMs) return;
      const p = posts[i];
      const links = [p.short, landing[p.lang]];
      const text = p.template.replace(/\{link\}/g, () => links.shift() ?? p.short);
      const e = factory.tweet(p.account, eventTime(r, times[i], delayOf('twitter', c)), factory.pickTheme(), { text, lang: p.lang });
      yield { atMs: times[i], scenario: 'spam', event: { ...e, attributes: { ...e.attributes, accountAgeDays: String(p.account.ageDays) } } };
    }
  }
}

/**
 * The timeline: history first (negative atMs), then live events; each event at most once. Ends at the
 * duration or after `count` live events, whichever comes first.
 */
export function* generateTraffic(options: TrafficOptions): Generator<TimedEvent> {
  const r = resolveOptions(options);
  const root = new Rng(r.seed);
  const ids = new Rng(`${r.seed}|ids|${r.startTime}`);
  const population = new Population(root.fork('population'), r.population);
  const streams: Array<Iterator<TimedEvent>> = [background(r, population, root.fork('background'), ids.fork('background'))];
  for (const pair of spikedPairs(r)) streams.push(chatter(r, pair, population, root.fork(`chatter/${pair.en}`), ids.fork(`chatter/${pair.en}`)));
  if (r.bursts.includes('spike')) streams.push(spikes(r, population, root.fork('spike'), ids.fork('spike')));
  if (r.bursts.includes('negative')) streams.push(negatives(r, population, root.fork('negative'), ids.fork('negative')));
  if (r.bursts.includes('spam')) streams.push(spam(r, root.fork('spam'), ids.fork('spam'), population));

  const heads: Array<TimedEvent | undefined> = streams.map((s) => s.next().value ?? undefined);
  let live = 0;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || h.atMs < heads[best]!.atMs)) best = i;
    }
    if (best < 0) return;
    const next = heads[best]!;
    if (next.atMs >= 0) {
      if (live >= r.count) return;
      live++;
    }
    yield next;
    const n = streams[best].next();
    heads[best] = n.done ? undefined : n.value;
  }
}

/** A fresh population from the same seed (for reports and tests: who the authors are). */
export function populationOf(options: Pick<TrafficOptions, 'seed' | 'population'>): Population {
  return new Population(new Rng(String(options.seed)).fork('population'), { ...DEFAULT_POPULATION, ...options.population });
}
