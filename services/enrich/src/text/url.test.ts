import { canonicalUrl, canonicalUrlByParser, isHttpUrl, isTrackingParam } from './url';

describe('canonicalUrl', () => {
  test.each([
    ['lower-cases scheme and host, keeps path case', 'HTTPS://Example.COM/Path/To', 'https://example.com/Path/To'],
    ['drops the default https port', 'https://example.com:443/a', 'https://example.com/a'],
    ['drops the default http port', 'http://example.com:80/a', 'http://example.com/a'],
    ['keeps a non-default port', 'https://example.com:8443/a', 'https://example.com:8443/a'],
    ['strips the fragment', 'https://example.com/a#section-2', 'https://example.com/a'],
    ['removes utm_* and click ids, sorts the rest', 'https://example.com/a?utm_source=tw&b=2&fbclid=XYZ&a=1&gclid=1&utm_medium=social', 'https://example.com/a?a=1&b=2'],
    ['removes the query when only tracking was left', 'https://example.com/a?utm_campaign=x&igshid=abc', 'https://example.com/a'],
    ['sorts repeated keys by value', 'https://example.com/?tag=b&tag=a', 'https://example.com/?tag=a&tag=b'],
    ['tracking parameter names are matched case-insensitively', 'https://example.com/?UTM_Source=x&id=7', 'https://example.com/?id=7'],
    ['drops credentials', 'https://user:pw@example.com/', 'https://example.com/'],
    ['www. without a scheme means http', 'www.Example.org/page', 'http://www.example.org/page'],
    ['adds the root path', 'https://example.com', 'https://example.com/'],
    ['an IDN host becomes punycode', 'https://مثال.com/مسار', 'https://xn--mgbh0fb.com/%D9%85%D8%B3%D8%A7%D8%B1'],
  ])('%s', (_name, input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  test('two spellings of one link are one canonical URL', () => {
    expect(canonicalUrl('https://News.example.com:443/story?id=5&utm_source=fb#top')).toBe(canonicalUrl('https://news.example.com/story?fbclid=abc&id=5'));
  });

  test.each(['not a url', 'ftp://example.com/file', 'mailto:someone@example.com', 'javascript:alert(1)', 'https://'])('refuses %s', (input) => {
    expect(canonicalUrl(input)).toBeNull();
  });

  test('isHttpUrl wants an absolute http(s) URL', () => {
    expect(isHttpUrl('https://example.com/x')).toBe(true);
    expect(isHttpUrl('www.example.com')).toBe(false);
    expect(isHttpUrl('/relative/path')).toBe(false);
  });

  test('isTrackingParam', () => {
    expect(['utm_source', 'utm_whatever', 'fbclid', 'gclid', 'msclkid', 'mc_eid'].every(isTrackingParam)).toBe(true);
    expect(['id', 'q', 'page', 'v'].some(isTrackingParam)).toBe(false);
  });
});

describe('the shortcut for already canonical URLs', () => {
  test('gives what the URL parser gives', () => {
    const samples = [
      'https://example.com', 'https://example.com/', 'http://a.b.c.example.org/path/to/page.html', 'https://t.co/AbC123',
      'https://youtu.be/dQw4w9WgXcQ', 'https://en.wikipedia.org/wiki/Foo_(bar)', "https://x.com/a/b/c-d_e~f!$&'()*+,;=:@g",
      'https://example.com//double//slashes', 'https://example.com/a/./b', 'https://example.com/a/../b', 'https://example.com/a/..',
      'https://example.com/.', 'http://127.0.0.1/x', 'http://1.2.3/x', 'http://example.123/x', 'https://xn--mgbh0fb.com/',
      'https://xn--invalid-.com/', 'https://EXAMPLE.com/A', 'https://example.com:443/', 'https://user@example.com/',
      'https://example.com/a%20b', 'https://example.com/a?b=1', 'https://example.com/a#f', 'https://-bad-.com/', 'https://a-b.c-d.com/x',
      'https://example.com./x', 'https://a..b/x', 'https://ex_ample.com/', 'HTTPS://example.com/',
      // with a query of plain pairs
      'https://t.co?x=1', 'https://example.com/a?b=2&a=1', 'https://example.com/a?utm_source=share&utm_medium=tw', 'https://example.com/?UTM_Campaign=x&id=7',
      'https://example.com/a?tag=b&tag=a&tag=', 'https://example.com/a?a.b=1&a-b=2&a_b=3', 'https://example.com/a/./b?x=1', 'https://example.com/a/..?x=1',
      'https://xn--mgbh0fb.com/?x=1', 'https://example.com/a?x=1&fbclid=abc&gclid=9', 'https://example.com/story?id=42', 'http://example.com:80/a?x=1',
      'https://example.com/a?x=1#frag', 'https://example.com/a?x=a+b', 'https://example.com/a?x=%41', 'https://example.com/a?x', 'https://example.com/a?x=1&&y=2',
      'https://example.com/a?=1', 'https://example.com/a?x=~', 'https://example.com/a?b=1&B=2&a=3',
    ];
    for (const raw of samples) expect([raw, canonicalUrl(raw)]).toEqual([raw, canonicalUrlByParser(raw)]);
  });
});
