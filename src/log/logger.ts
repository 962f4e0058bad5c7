import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Keys whose values are secrets wherever they appear in a log object. pino's redaction works on
 * paths, so the usual nesting depths are listed; secrets are also kept out of log objects at the
 * source (settings are logged through `describeMailServer`, never whole).
 */
const SECRET_KEYS = ['password', 'token', 'credential', 'secret', 'authorization'];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

/** The daemon's one logger: JSON lines on stdout (journald stores them), secrets censored. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
