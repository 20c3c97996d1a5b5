import { LRUCache } from 'lru-cache';

/**
 * URL canonicalisation, so the same link shared with different tracking or in a different spelling is
 * one link: lower-case scheme and host (IDN as punycode), no default port, no credentials, no fragment,
 * tracking parameters removed and the remaining query parameters sorted.
 */

const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id',
  'igshid', 'igsh', 'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'hsctatracking', 'mkt_tok', 'vero_id', 'oly_anon_id',
  'oly_enc_id', 'rb_clickid', 's_cid', 'ref_src', 'ref_url', '__twitter_impression',
]);

export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING_PARAMS.has(n);
}

// Already canonical, as most shared links are: lower-case http(s), a lower-case ASCII host without port or
// credentials, a path of characters the URL serialiser leaves alone, no query, no fragment. Such a URL is
// its own canonical form (plus "/" for an empty path), and the parser can be skipped.
// The host's last label starts with a letter, so it is no IPv4 address for the parser to rewrite; punycode
// (xn--) hosts are left to the parser, which validates them.
const ALREADY_CANONICAL = /^https?:\/\/(?![^/]*xn--)(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?$/;
// "." and ".." path segments are resolved by the parser; leave those to it.
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

// The same with a query of plain name=value pairs (letters, digits, '-', '.', '_': nothing the query
// parser decodes or its serialiser encodes): tracking parameters are removed and the rest sorted here,
// as the parser path would, without the parser (several microseconds per URL).
const PLAIN_QUERY = /^(https?:\/\/(?![^/?]*xn--)(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?)(\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?\?([A-Za-z0-9\-._]+=[A-Za-z0-9\-._]*(?:&[A-Za-z0-9\-._]+=[A-Za-z0-9\-._]*)*)$/;

function withPlainQuery(origin: string, path: string | undefined, query: string): string {
  const kept: Array<[string, string]> = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const k = pair.slice(0, eq);
    if (!isTrackingParam(k)) kept.push([k, pair.slice(eq + 1)]);
  }
  kept.sort(byNameThenValue);
  let out = origin + (path || '/');
  for (let i = 0; i < kept.length; i++) out += `${i === 0 ? '?' : '&'}${kept[i][0]}=${kept[i][1]}`;
  return out;
}

const byNameThenValue = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

// Popular links are shared over and over: remember recent answers (the URL parser is the costly part).
const recent = new LRUCache<string, { url: string | null }>({ max: 20_000 });

/** The canonical form of an http(s) URL (a leading "www." means http), or null when it is not one. */
export function canonicalUrl(raw: string): string | null {
  if (ALREADY_CANONICAL.test(raw) && !DOT_SEGMENT.test(raw)) return raw.indexOf('/', 8) === -1 ? `${raw}/` : raw;
  const plain = PLAIN_QUERY.exec(raw);
  if (plain && !(plain[2] && DOT_SEGMENT.test(plain[2]))) return withPlainQuery(plain[1], plain[2], plain[3]);
  const hit = recent.get(raw);
  if (hit) return hit.url;
  const url = canonicalUrlByParser(raw);
  if (raw.length <= 2048) recent.set(raw, { url });
  return url;
}

/** canonicalUrl without the shortcut for URLs that are already canonical (exported for its test). */
export function canonicalUrlByParser(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.length > 4 && (raw[0] === 'w' || raw[0] === 'W') && /^www\./i.test(raw) ? `http://${raw}` : raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname) return null;
  // The URL parser already lower-cases scheme and host and drops :80 / :443.
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.search) {
    const kept: Array<[string, string]> = [];
    for (const [k, v] of url.searchParams) if (!isTrackingParam(k)) kept.push([k, v]);
    kept.sort(byNameThenValue);
    url.search = kept.length ? new URLSearchParams(kept).toString() : '';
  }
  return url.href;
}

/** Whether a text is an absolute http(s) URL the canonicaliser accepts. */
export function isHttpUrl(raw: string): boolean {
  return /^https?:\/\//i.test(raw) && canonicalUrl(raw) !== null;
}
