/** Errors in the Confluent Schema Registry shape: an HTTP status and an `error_code` clients switch on. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (subject: string, version: string | number) =>
    new RegistryError(404, 40402, `Version ${version} not found for subject '${subject}'.`),
  schemaNotFound: (detail = 'Schema not found') => new RegistryError(404, 40403, detail),
  subjectLevelConfigNotFound: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  routeNotFound: () => new RegistryError(404, 404, 'HTTP 404 Not Found'),
  incompatible: (messages: string[]) =>
    new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject: ${messages.join('; ')}`),
  invalidSchema: (detail: string) => new RegistryError(422, 42201, `Invalid schema: ${detail}`),
  invalidVersion: (version: string) =>
    new RegistryError(422, 42202, `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidCompatibilityLevel: (level: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(level)}. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
    ),
  badRequest: (detail: string) => new RegistryError(400, 400, detail),
  unsupportedMediaType: (type: string) => new RegistryError(415, 415, `HTTP 415 Unsupported Media Type: ${type}`),
  notImplemented: (detail: string) => new RegistryError(501, 50101, detail),
  backend: (detail: string) => new RegistryError(500, 50001, `Error in the backend data store: ${detail}`),
  timeout: (detail: string) => new RegistryError(500, 50002, `Operation timed out: ${detail}`),
};
