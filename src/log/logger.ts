import { fstatSync } from 'node:fs';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Keys whose values are secrets wherever they appear in a log object. pino's redaction works on
 * paths, so the usual nesting depths are listed; secrets are also kept out of log objects at the
 * source (settings are logged through `describeMailServer`, never whole).
 */
const SECRET_KEYS = ['password', 'token', 'credential', 'secret', 'authorization'];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

/**
 * syslog priorities (RFC 5424) by pino level. journald reads a `<N>` prefix on a stdout line as
 * the line's priority and strips it, so `journalctl -p err` shows exactly the errors and each
 * stored message is still the JSON object.
 */
const JOURNAL_PRIORITY: ReadonlyMap<string, number> = new Map([
  ['fatal', 2],
  ['error', 3],
  ['warn', 4],
  ['info', 6],
  ['debug', 7],
  ['trace', 7],
]);
const INFO_PRIORITY = 6;

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  /** Prefix each line with its journald priority (`<3>{...}`); see `stdoutIsJournal`. */
  journald?: boolean;
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
      ...(options.journald ? { hooks: { streamWrite: withJournalPriority } } : {}),
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The level is the first key of every line (the level formatter above puts it there). */
function withJournalPriority(line: string): string {
  const label = /^\{"level":"(\w+)"/.exec(line)?.[1];
  return `<${(label && JOURNAL_PRIORITY.get(label)) ?? INFO_PRIORITY}>${line}`;
}

/**
 * True when stdout is the journal's stream: systemd sets JOURNAL_STREAM to its `device:inode`
 * (systemd.exec(5)). Compared with stdout itself, so output redirected elsewhere by the service
 * (a file, a pipe) stays plain JSON.
 */
export function stdoutIsJournal(env: NodeJS.ProcessEnv): boolean {
  const stream = env['JOURNAL_STREAM'];
  if (!stream) return false;
  try {
    const stat = fstatSync(1);
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}
