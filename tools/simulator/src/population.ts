/**
 * Who posts: accounts per platform with power-law reach. Most accounts have tens to hundreds of
 * followers (Pareto tail), a few per cent are notable accounts (journalists, creators, officials) with
 * 10k to millions, log-uniformly spread; the verified badge grows likelier with reach. How often an
 * account posts is heavy-tailed too, so a handful of accounts write much of the traffic.
 */
import type { Lang } from './corpus/types';
import { BASE64URL, type Rng } from './random';

export type Platform = 'twitter' | 'facebook' | 'youtube' | 'telegram' | 'news' | 'web';

export interface Account {
  platform: Platform;
  id: string;
  handle: string;
  followers: number;
  verified: boolean;
  /** Languages the account writes in, most used first. */
  langs: Lang[];
  /** Relative posting frequency. */
  activity: number;
  /** Days since the account was created. */
  ageDays: number;
  tier: 'regular' | 'notable';
}

/** At and above this many followers an account counts as an influencer (the rule's minFollowers). */
export const INFLUENCER_FOLLOWERS = 10_000;

const FIRST_EN = ['sara', 'omar', 'lina', 'yousef', 'noura', 'khalid', 'maya', 'ali', 'hind', 'faisal', 'reem', 'tariq', 'dana', 'sami', 'layla', 'ahmed', 'mona', 'ziad', 'rania', 'hamad'];
const LAST_EN = ['alharbi', 'alqahtani', 'haddad', 'mansour', 'khoury', 'alotaibi', 'nasser', 'saleh', 'farouk', 'aziz', 'hamdan', 'alshehri', 'kamal', 'darwish', 'bakr'];
const INTEREST = ['tech', 'foodie', 'fc', 'travels', 'daily', 'news', 'cars', 'photo', 'reads', 'fit', 'biz', 'design', 'gamer'];

function handleFor(rng: Rng): string {
  const first = rng.pick(FIRST_EN);
  switch (rng.int(0, 4)) {
    case 0:
      return `${first}_${rng.pick(LAST_EN)}`;
    case 1:
      return `${first}${rng.int(1, 99)}`;
    case 2:
      return `${first}.${rng.pick(LAST_EN)}`;
    case 3:
      return `${rng.pick(INTEREST)}_${first}`;
    default:
      return `${first}${rng.pick(LAST_EN).slice(0, 3)}_${rng.int(70, 99)}`;
  }
}

/** A platform-shaped account id. */
export function accountId(platform: Platform, rng: Rng): string {
  switch (platform) {
    case 'twitter':
      return rng.digits(rng.chance(0.6) ? 19 : 10);
    case 'facebook':
      return `1000${rng.digits(11)}`;
    case 'youtube':
      return `UC${rng.chars(22, BASE64URL)}`;
    case 'telegram':
      return rng.digits(10);
    default:
      return `${platform}-${rng.digits(8)}`;
  }
}

function followersFor(tier: Account['tier'], rng: Rng): number {
  if (tier === 'notable') return Math.round(rng.logUniform(INFLUENCER_FOLLOWERS, 5_000_000));
  // Pareto tail above 20 followers, kept below the notable range (those are drawn above).
  return Math.min(INFLUENCER_FOLLOWERS - 1, Math.round(rng.pareto(20, 1.1)));
}

export interface PopulationOptions {
  /** Accounts per platform (news has its outlets, web its sharers). */
  size: number;
  /** Share of notable (>= 10k followers) accounts. */
  notableShare: number;
  /** Share of accounts that write mostly Arabic. */
  arabicShare: number;
}

export const DEFAULT_POPULATION: PopulationOptions = { size: 1500, notableShare: 0.04, arabicShare: 0.55 };

export class Population {
  readonly byPlatform = new Map<Platform, Account[]>();
  private readonly cumulative = new Map<Platform, Float64Array>();

  constructor(rng: Rng, readonly options: PopulationOptions = DEFAULT_POPULATION) {
    for (const platform of ['twitter', 'facebook', 'youtube', 'telegram', 'web'] as Platform[]) {
      const r = rng.fork(`population/${platform}`);
      const accounts: Account[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < options.size; i++) {
        const tier = r.chance(options.notableShare) ? 'notable' : 'regular';
        const followers = followersFor(tier, r);
        const arabic = r.chance(options.arabicShare);
        const langs: Lang[] = arabic ? (r.chance(0.25) ? ['ar', 'en'] : ['ar']) : r.chance(0.2) ? ['en', 'ar'] : ['en'];
        let handle = handleFor(r);
        while (seen.has(handle)) handle = `${handle}${r.int(0, 9)}`;
        seen.add(handle);
        accounts.push({
          platform,
          id: accountId(platform, r),
          handle,
          followers,
          // Verification is rare among ordinary accounts and common among large ones.
          verified: tier === 'notable' ? r.chance(Math.min(0.9, 0.2 + Math.log10(followers / INFLUENCER_FOLLOWERS) * 0.25)) : r.chance(0.004),
          langs,
          activity: Math.min(50, r.pareto(1, 1.6)),
          ageDays: Math.round(r.logUniform(30, 5000)),
          tier,
        });
      }
      this.byPlatform.set(platform, accounts);
      const cum = new Float64Array(accounts.length);
      let total = 0;
      accounts.forEach((a, k) => (cum[k] = total += a.activity));
      this.cumulative.set(platform, cum);
    }
  }

  accounts(platform: Platform): Account[] {
    return this.byPlatform.get(platform) ?? [];
  }

  /** An account of `platform`, chosen by posting frequency (of `tier` only, when given). */
  poster(platform: Platform, rng: Rng, tier?: Account['tier']): Account {
    for (let i = 0; tier && i < 50; i++) {
      const a = this.poster(platform, rng);
      if (a.tier === tier) return a;
    }
    const accounts = this.accounts(platform);
    const cum = this.cumulative.get(platform)!;
    const x = rng.next() * cum[cum.length - 1];
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return accounts[lo];
  }

  /** Any account of `platform` of `tier`, all equally likely (many different people reacting to one thing). */
  anyone(platform: Platform, rng: Rng, tier: Account['tier']): Account {
    for (let i = 0; i < 100; i++) {
      const a = rng.pick(this.accounts(platform));
      if (a.tier === tier) return a;
    }
    return rng.pick(this.accounts(platform));
  }

  /** Accounts of `platform` with at least `minFollowers`. */
  influencers(platform: Platform, minFollowers = INFLUENCER_FOLLOWERS): Account[] {
    return this.accounts(platform).filter((a) => a.followers >= minFollowers);
  }
}
