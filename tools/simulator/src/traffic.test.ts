/** The simulator's output, without I/O: valid against the RawEvent schema, varied, deterministic, and bursts of the intended shape. */
import { schemaType } from '@sluice/contracts';
import { contractProblems, prepareEvent, toRawEvent, undeclaredFields, type EventInput, type PreparedEvent } from '@sluice/client';
import { WATCHED } from './corpus';
import { INFLUENCER_FOLLOWERS } from './population';
import { generateTraffic, plannedBursts, populationOf, type TimedEvent, type TrafficOptions } from './traffic';
import { parseBursts } from './main';

const START = Date.UTC(2025, 2, 10, 9, 0, 0);
const MIN = 60_000;
const ARABIC = /[\u0600-\u06FF]/;
const rawType = schemaType('RawEvent');

function run(options: Partial<TrafficOptions> = {}): TimedEvent[] {
  return [...generateTraffic({ seed: 'test', rate: 10, durationMs: 5 * MIN, bursts: ['spike', 'negative', 'spam'], startTime: START, ...options })];
}

/** Problems of one event as ingest and a direct Kafka producer would see them (schema, undeclared fields, contract rules). */
function problemsOf(e: EventInput): string[] {
  const p = prepareEvent(e, () => 'unused');
  if ('problems' in p) return p.problems;
  const raw = toRawEvent((p as PreparedEvent).event, START);
  if ('problems' in raw) return raw.problems;
  const out: string[] = [];
  if (!rawType.isValid(raw.event, { errorHook: (path) => out.push(`${path.join('.')} is invalid`) })) out.push('not a valid RawEvent');
  out.push(...undeclaredFields(rawType, raw.event), ...contractProblems(raw.event));
  if (e.url != null && !/^https?:\/\/[^\s/]+\.[^\s/]+/.test(e.url)) out.push(`url ${e.url} is not an absolute http(s) URL`);
  if (e.id!.length > 128) out.push('id longer than 128');
  return out;
}

const words = (text: string | null | undefined) => (text ?? '').toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
const hashtagsOf = (text: string | null | undefined) => [...(text ?? '').matchAll(/#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]);

describe('simulated traffic', () => {
  const timeline = run();
  const events = timeline.map((t) => t.event);

  it('is valid against the RawEvent schema, event after event (thousands of them, history included)', () => {
    expect(events.length).toBeGreaterThan(8000);
    const bad = events.map((e) => ({ id: e.id, problems: problemsOf(e) })).filter((x) => x.problems.length > 0);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('mixes platforms, kinds and both languages, with hashtags, mentions, tracked links and emoji', () => {
    const count = <K extends string>(f: (e: EventInput) => K) => events.reduce<Record<string, number>>((acc, e) => ((acc[f(e)] = (acc[f(e)] ?? 0) + 1), acc), {});
    expect(Object.keys(count((e) => e.source)).sort()).toEqual(['facebook', 'news', 'telegram', 'twitter', 'web', 'youtube']);
    expect(Object.keys(count((e) => e.kind)).sort()).toEqual(['CHAT', 'COMMENT', 'LINK', 'LINK_METRIC', 'NEWS', 'POST', 'VIDEO']);
    const withText = events.filter((e) => e.text);
    const arabic = withText.filter((e) => ARABIC.test(e.text!)).length / withText.length;
    expect(arabic).toBeGreaterThan(0.35);
    expect(arabic).toBeLessThan(0.75);
    const tags = withText.flatMap((e) => hashtagsOf(e.text));
    expect(tags.some((t) => ARABIC.test(t))).toBe(true);
    expect(tags.some((t) => /^[A-Za-z]/.test(t))).toBe(true);
    expect(withText.filter((e) => /(^|\s)@\w+/.test(e.text!)).length).toBeGreaterThan(100);
    expect(withText.filter((e) => /\p{Extended_Pictographic}/u.test(e.text!)).length).toBeGreaterThan(500);
    expect(events.filter((e) => /[?&](utm_source|fbclid|gclid|igshid|ref)=/.test(e.url ?? '')).length).toBeGreaterThan(100);
    // Replies point at posts of the same stream.
    const ids = new Set(events.map((e) => e.id));
    const replies = events.filter((e) => e.parentId);
    expect(replies.length).toBeGreaterThan(500);
    expect(replies.filter((e) => ids.has(e.parentId!)).length / replies.length).toBeGreaterThan(0.95);
    // Link metrics are counters of a link: no text, growing engagement.
    const metrics = events.filter((e) => e.kind === 'LINK_METRIC');
    expect(metrics.every((e) => e.text === null && e.url && e.engagement && e.engagement.views! > 0)).toBe(true);
    // Language hints on some events only.
    expect(events.filter((e) => e.lang).length / events.length).toBeGreaterThan(0.4);
    expect(events.filter((e) => !e.lang).length / events.length).toBeGreaterThan(0.2);
  });

  it('draws authors of power-law reach: most small, a few huge, some verified', () => {
    const authors = new Map(events.filter((e) => e.author.followers != null).map((e) => [`${e.source}:${e.author.id}`, e.author]));
    const followers = [...authors.values()].map((a) => a.followers!).sort((a, b) => a - b);
    const median = followers[Math.floor(followers.length / 2)];
    expect(median).toBeLessThan(200);
    expect(followers.filter((f) => f >= INFLUENCER_FOLLOWERS).length).toBeGreaterThan(20);
    expect(followers[followers.length - 1]).toBeGreaterThan(1_000_000);
    const verified = [...authors.values()].filter((a) => a.verified);
    expect(verified.length).toBeGreaterThan(5);
    expect(verified.length / authors.size).toBeLessThan(0.1);
  });

  it('is deterministic: same seed and start, same traffic; a new start keeps the content and renews the ids', () => {
    const again: EventInput[] = [];
    for (const t of generateTraffic({ seed: 'test', rate: 10, durationMs: 5 * MIN, bursts: ['spike', 'negative', 'spam'], startTime: START })) {
      again.push(t.event);
      if (again.length === 3000) break;
    }
    expect(again).toEqual(events.slice(0, 3000));
    const small = { durationMs: 30_000, bursts: [] };
    const base = run(small);
    const other = run({ ...small, seed: 'other' });
    expect(other.slice(0, 50).map((t) => t.event.text)).not.toEqual(base.slice(0, 50).map((t) => t.event.text));
    const later = run({ ...small, startTime: START + 86_400_000 });
    expect(later.map((t) => t.event.text)).toEqual(base.map((t) => t.event.text));
    expect(later.filter((t, i) => t.event.id === base[i].event.id).length).toBeLessThan(5);
  });

  it('keeps the watched keywords out of background traffic', () => {
    const watched = new Set(WATCHED.flatMap((w) => [w.en, w.ar]));
    const leaks = timeline.filter((t) => t.scenario === 'background' && words(t.event.text).some((w) => watched.has(w)));
    expect(leaks.map((t) => t.event.text)).toEqual([]);
  });

  it('sends history before live traffic, and stops at the duration or the count', () => {
    const firstLive = timeline.findIndex((t) => t.atMs >= 0);
    expect(timeline.slice(0, firstLive).every((t) => t.atMs < 0 && (t.event.occurredAt as number) < START)).toBe(true);
    expect(timeline[0].atMs).toBeGreaterThanOrEqual(-16 * MIN);
    // History starts on a minute boundary of event time.
    expect(Math.min(...timeline.map((t) => t.event.occurredAt as number)) % MIN).toBeLessThan(5000);
    expect(timeline.slice(firstLive).every((t) => t.atMs >= 0 && t.atMs < 5 * MIN)).toBe(true);
    const limited = run({ count: 100 });
    expect(limited.filter((t) => t.atMs >= 0)).toHaveLength(100);
    const plain = run({ bursts: [], durationMs: MIN });
    expect(plain.every((t) => t.atMs >= 0 && t.scenario === 'background')).toBe(true);
    // A Poisson process at 10 events/s over a minute.
    expect(plain.length).toBeGreaterThan(520);
    expect(plain.length).toBeLessThan(680);
  });
});

describe('injected bursts', () => {
  const timeline = run({ durationMs: 4 * MIN });
  const [spike, negative, spam] = ['spike', 'negative', 'spam'].map((k) => plannedBursts({ seed: 'test', rate: 10, durationMs: 4 * MIN, bursts: ['spike', 'negative', 'spam'], startTime: START }).find((b) => b.kind === k)!);

  it('a spike multiplies a watched keyword’s per-minute volume at least fivefold', () => {
    const pair = WATCHED[0];
    expect(spike.subject).toBe(`${pair.en}/${pair.ar}`);
    const mentions = timeline.filter((t) => words(t.event.text).includes(pair.en) || words(t.event.text).includes(pair.ar));
    const perMinute = (from: number, to: number) => mentions.filter((t) => t.atMs >= from && t.atMs < to).length / ((to - from) / MIN);
    const baseline = perMinute(-15 * MIN, 0);
    const during = perMinute(spike.startMs, spike.endMs);
    expect(baseline).toBeGreaterThan(10);
    expect(during / baseline).toBeGreaterThanOrEqual(5);
    // Each form on its own spikes too (the rule watches both), and in the history of every minute.
    for (const form of [pair.en, pair.ar]) {
      const f = mentions.filter((t) => words(t.event.text).includes(form));
      const base = f.filter((t) => t.atMs < 0).length / 15;
      const peak = f.filter((t) => t.atMs >= spike.startMs && t.atMs < spike.endMs).length / ((spike.endMs - spike.startMs) / MIN);
      expect(peak / base).toBeGreaterThanOrEqual(5);
      for (let m = -15; m < 0; m++) expect(f.filter((t) => t.atMs >= m * MIN && t.atMs < (m + 1) * MIN).length).toBeGreaterThan(0);
    }
    expect(new Set(timeline.filter((t) => t.scenario === 'spike').map((t) => t.event.author.id)).size).toBeGreaterThan(50);
  });

  it('a negative burst comes from distinct accounts of 10,000+ followers on one platform within the rule’s window', () => {
    const posts = timeline.filter((t) => t.scenario === 'negative');
    expect(posts.length).toBe(12);
    expect(posts.every((t) => t.event.author.followers! >= INFLUENCER_FOLLOWERS)).toBe(true);
    expect(new Set(posts.map((t) => t.event.author.id)).size).toBe(posts.length);
    expect(new Set(posts.map((t) => t.event.source))).toEqual(new Set(['twitter']));
    expect(posts[posts.length - 1].atMs - posts[0].atMs).toBeLessThan(10 * MIN);
    expect(posts.every((t) => t.atMs >= negative.startMs && t.atMs <= negative.endMs)).toBe(true);
    expect(posts.every((t) => t.event.text!.includes(`@${negative.subject}`))).toBe(true);
    // Outside the burst, large accounts post no complaints.
    const populated = populationOf({ seed: 'test' });
    expect(populated.influencers('twitter').length).toBeGreaterThanOrEqual(12);
  });

  it('spam comes from new low-follower accounts repeating link- and hashtag-stuffed text', () => {
    const posts = timeline.filter((t) => t.scenario === 'spam');
    expect(posts.length).toBe(25);
    expect(new Set(posts.map((t) => t.event.author.id)).size).toBe(5);
    for (const t of posts) {
      expect(t.event.author.followers).toBeLessThanOrEqual(40);
      expect(t.event.author.verified).toBe(false);
      expect(Number(t.event.attributes!.accountAgeDays)).toBeLessThanOrEqual(3);
      expect((t.event.text!.match(/https?:\/\//g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(hashtagsOf(t.event.text).length).toBeGreaterThanOrEqual(5);
      expect(t.atMs).toBeGreaterThanOrEqual(spam.startMs);
    }
    // The same text again and again.
    expect(new Set(posts.map((t) => t.event.text)).size).toBeLessThanOrEqual(5);
  });

  it('repeats every burst interval on the next watched keyword and brand', () => {
    const long = plannedBursts({ seed: 'x', rate: 1, durationMs: 25 * MIN, bursts: ['spike', 'negative'], startTime: START, burstEveryMs: 10 * MIN });
    expect(long.map((b) => `${b.kind}:${b.subject}`)).toEqual(['spike:earthquake/زلزال', 'negative:SahraTelecom', 'spike:flood/سيول', 'negative:NoorAirways', 'spike:fire/حريق', 'negative:ZaitounBank']);
  });

  it('reads --burst lists and names a wrong one', () => {
    expect(parseBursts('all')).toEqual(['spike', 'negative', 'spam']);
    expect(parseBursts('spam, spike')).toEqual(['spam', 'spike']);
    expect(parseBursts('none')).toEqual([]);
    expect(() => parseBursts('tsunami')).toThrow(/--burst: expected spike, negative, spam, all or none/);
    expect(() => run({ spikeKeywords: ['tsunami'] })).toThrow(/spike keyword "tsunami": expected one of the watched keywords/);
  });
});
