/**
 * Client for the Confluent Schema Registry REST API subset Sluice uses. Works against Sluice's own
 * registry (services/registry) and against Confluent, Karapace, Apicurio (ccompat) or Redpanda.
 */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { 'Content-Type': CONTENT_TYPE, Accept: CONTENT_TYPE },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RegistryError(`schema registry at ${this.base} is unreachable (${method} ${path}): ${(err as Error).message}`, 0);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      throw new RegistryError(
        `schema registry refused ${method} ${path}: ${String(json.message ?? text ?? res.statusText)}`,
        res.status,
        typeof json.error_code === 'number' ? json.error_code : undefined,
      );
    }
    return json as T;
  }

  async register(subject: string, schema: string): Promise<number> {
    const r = await this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' });
    return r.id;
  }

  async schemaById(id: number): Promise<string> {
    return (await this.call<{ schema: string }>('GET', `/schemas/ids/${id}`)).schema;
  }

  async latest(subject: string): Promise<SubjectVersion> {
    return this.call<SubjectVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
  }

  async version(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    return this.call<SubjectVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  async versions(subject: string): Promise<number[]> {
    return this.call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
  }

  async subjects(): Promise<string[]> {
    return this.call<string[]>('GET', '/subjects');
  }

  async checkCompatibility(subject: string, schema: string): Promise<{ compatible: boolean; messages: string[] }> {
    const r = await this.call<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      { schema, schemaType: 'AVRO' },
    );
    return { compatible: r.is_compatible, messages: r.messages ?? [] };
  }

  async setCompatibility(level: string, subject?: string): Promise<void> {
    await this.call('PUT', subject ? `/config/${encodeURIComponent(subject)}` : '/config', { compatibility: level });
  }
}
