import { LookupError, type Enricher, type LookupInput } from './types';

export interface LinkMetricsOptions {
  /** Endpoint called as GET <endpoint>?url=<canonical url>; answers JSON. */
  endpoint: string;
  /** Longest response body read. */
  maxResponseBytes?: number;
}

/**
 * Link metrics from an HTTP service (shares, clicks, domain reputation …) for an event's first canonical
 * URL: the url field when present, else the first URL in the text.
 */
export class LinkMetricsEnricher implements Enricher {
  readonly name = 'linkMetrics';
  private readonly endpoint: URL;
  private readonly maxResponseBytes: number;

  constructor(options: LinkMetricsOptions) {
    try {
      this.endpoint = new URL(options.endpoint);
    } catch {
      throw new Error(`link metrics endpoint ${JSON.stringify(options.endpoint)}: expected an absolute http(s) URL`);
    }
    this.maxResponseBytes = options.maxResponseBytes ?? 65_536;
  }

  keyOf(input: LookupInput): string | null {
    return input.urls[0] ?? null;
  }

  async lookup(url: string, signal: AbortSignal): Promise<unknown> {
    const target = new URL(this.endpoint);
    target.searchParams.set('url', url);
    let res: Response;
    try {
      res = await fetch(target, { signal, headers: { accept: 'application/json' } });
    } catch (e) {
      if (signal.aborted) throw e; // the wrapper reports the timeout
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new LookupError('unreachable', true, `${target.host}: ${cause ?? (e as Error).message}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      // Server trouble and throttling are worth a retry and count against the circuit; other 4xx are answers.
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      throw new LookupError(`http-${res.status}`, retryable);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > this.maxResponseBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new LookupError('bad-response', false, `response of ${declared} bytes; expected at most ${this.maxResponseBytes}`);
    }
    const text = await res.text();
    if (text.length > this.maxResponseBytes) throw new LookupError('bad-response', false, `response of ${text.length} characters`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new LookupError('bad-response', false, 'response is not JSON');
    }
  }
}
