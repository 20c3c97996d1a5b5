import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout, one line per record; secrets are redacted by path. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['apiKey', 'token', 'password', 'secret', '*.apiKey', '*.token', '*.password', '*.secret', 'headers.authorization', 'headers["x-api-key"]', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  });
}
