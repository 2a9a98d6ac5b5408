// The logger type passed around in `deps` (pino's), and the root logger
// factory used once by bin/. Components derive child loggers with a
// `component` binding; nothing else in the project creates a logger.
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Paths redacted in every log line, in addition to Secret values (which redact themselves). */
export const redactPaths = [
  'password',
  'token',
  '*.password',
  '*.token',
  '*.signingKey',
  '*.apiToken',
  'headers.authorization',
  '*.headers.authorization',
];

export function createRootLogger(
  options: { level: LogLevel; name?: string },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'gruwatch',
      level: options.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that drops everything; for tests and library callers that do not log. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
