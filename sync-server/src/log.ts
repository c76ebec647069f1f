// Structured logging: one pino logger, children per concern.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'sync-server' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.code', '*.phone'], censor: '[redacted]' },
  });
}
