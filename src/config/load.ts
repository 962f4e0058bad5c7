/**
 * The one door through which a config enters the daemon, at start and on every reload: read,
 * parse, validate, resolve, freeze. Every problem is reported at once with its field path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { AppError } from '../errors/registry.js';
import { checkFederatedSettings, formatIssues, type MailServerSettings, type SettingsIssue } from '../settings/schema.js';
import { describeJsonError } from '../util/json-position.js';
import { parseMailServer, splitRecipients } from '../util/address.js';
import { hasLineBreakOrNul } from '../settings/fields.js';
import { defaultHeloName } from './helo-name.js';
import { controlSockets, parseDurationMs } from './defaults.js';
import { configSchema, type RawConfig } from './schema.js';
import { deepFreeze } from '../util/objects.js';

/** What is read-only all the way down: a config is frozen once resolved. */
type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * A config as the daemon uses it: the file's settings (their types from the schema, `z.output`)
 * with paths resolved, durations in milliseconds, unset values null, and the mail settings as
 * the relay reads them (host and port apart, the password and the CA read from their files).
 */
export type Config = DeepReadonly<Omit<ReturnType<typeof resolveConfig>, 'mailServer'>> & { readonly mailServer: MailServerSettings };

/** Per source address on the submission port (submission.limits). */
export interface SubmissionLimits {
  readonly connectionsPerMinute: number;
  readonly messagesPerMinute: number;
  readonly bytesPerMinute: number;
  readonly concurrentConnections: number;
}

/** A file named by a setting, as read at load: `sha256` tells a rotated file from the one in force. */
export interface ReferencedFile {
  readonly field: string;
  readonly path: string;
  readonly sha256: string;
}

/** Reads the files a config names, keeping what it read so that the version covers their bytes. */
interface FileReads {
  readonly files: ReferencedFile[];
  read(path: string, field: string): string;
  /** AM_CONFIG_INVALID for one field; its details name every file tried, so that a missing one is watched for. */
  invalid(field: string, message: string): AppError;
}

/** A problem of a config file, with its dotted field path (empty for the whole file). */
export type ConfigIssue = SettingsIssue;

/** Reads and validates a config file. Throws AppError AM_CONFIG_UNREADABLE or AM_CONFIG_INVALID. */
export function loadConfigFile(file: string): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new AppError('AM_CONFIG_UNREADABLE', `cannot read config ${path}: ${reason}`, {
      cause: err,
      details: { file: path },
    });
  }
  return parseConfig(text, path);
}

/** Validates config text as if read from `path` (relative paths resolve against its folder). */
export function parseConfig(text: string, path: string): Config {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON.parse's message: it quotes the text near the error, which may be the password.
    throw invalid(path, [{ path: '', message: describeJsonError(text) }]);
  }
  const result = configSchema.safeParse(json);
  if (!result.success) {
    throw invalid(
      path,
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issueMessage(issue) })),
    );
  }
  const raw = result.data;
  const base = dirname(path);
  const reads = fileReads(path);
  const password = readPassword(raw, base, reads);
  const clientSecret = readClientSecret(raw, base, reads);
  const caPem = raw.mailServer.caFile === undefined ? null : reads.read(resolve(base, raw.mailServer.caFile), 'mailServer.caFile');
  readKeyPair(raw.federation, 'federation', base, reads);
  readKeyPair(raw.console, 'console', base, reads);
  const config = resolveConfig(raw, base, path, configVersion(text, reads.files), password, clientSecret, caPem, reads.files);
  // The resolved settings pass the same schema as the primary's settings do on a secondary.
  const checked = checkFederatedSettings({ mailServer: config.mailServer, recipients: config.notifications.recipients });
  if ('issues' in checked) throw invalid(path, checked.issues.map((issue) => ({ path: fileField(issue.path, raw), message: issue.message })));
  return deepFreeze({ ...config, mailServer: checked.settings.mailServer });
}

/** The file's name for a field of the resolved settings (a CA or a password read from a file). */
function fileField(path: string, raw: RawConfig): string {
  if (path === 'mailServer.caPem') return 'mailServer.caFile';
  if (path === 'mailServer.password' && raw.mailServer.passwordFile !== undefined) return 'mailServer.passwordFile';
  if (path === 'mailServer.oauth2.clientSecret' && raw.mailServer.oauth2?.clientSecretFile !== undefined) return 'mailServer.oauth2.clientSecretFile';
  if (path === 'recipients') return 'notifications.recipients';
  return path;
}

/**
 * The sha256 prefix of the file's bytes and of every file it names: a password rotated in its
 * file is a new version, which the transport, the settings check and status follow. Only
 * administrators see it (submitters' status hides the version).
 */
function configVersion(text: string, files: readonly ReferencedFile[]): string {
  const hash = createHash('sha256').update(text);
  for (const file of files) hash.update(`\0${file.path}\0${file.sha256}`);
  return hash.digest('hex').slice(0, 12);
}

// A declarative table of the resolved config, one line per key; long for that reason only.
function resolveConfig(
  raw: RawConfig,
  base: string,
  file: string,
  version: string,
  password: string | null,
  clientSecret: string | null,
  caPem: string | null,
  files: readonly ReferencedFile[],
) {
  const at = (p: string | undefined) => (p === undefined ? null : resolve(base, p));
  const server = raw.mailServer.server === undefined ? null : parseMailServer(raw.mailServer.server);
  return {
    /** Absolute path of the file this config came from. */
    file,
    /** sha256 of the file's bytes, shortened: tells two versions of the file apart in `status`. */
    version,
    node: { name: raw.node.name, role: raw.node.role, stateDir: resolve(base, raw.node.stateDir) },
    mailServer: {
      enabled: raw.mailServer.enabled,
      host: server && !('error' in server) ? server.host : null,
      port: server && !('error' in server) ? server.port : null,
      sender: raw.mailServer.sender ?? null,
      username: raw.mailServer.username ?? null,
      password,
      tls: raw.mailServer.tls,
      allowPlaintextAuth: raw.mailServer.allowPlaintextAuth,
      caPem,
      auth: raw.mailServer.auth,
      oauth2: oauth2Settings(raw.mailServer.oauth2, clientSecret),
    } satisfies MailServerSettings,
    /** The EHLO name and Message-ID domain: this node's own, whatever the mail settings' source. */
    heloName: raw.mailServer.heloName ?? defaultHeloName(raw.node.name),
    notifications: {
      recipients: splitRecipients(raw.notifications.recipients).valid,
      /** Local name (lower case) → where its mail goes instead of `recipients` (no prototype: a name such as constructor is only a name). */
      localRecipients: Object.assign(
        Object.create(null) as Record<string, string[]>,
        Object.fromEntries(Object.entries(raw.notifications.localRecipients).map(([name, to]) => [name.toLowerCase(), splitRecipients(to).valid])),
      ),
    },
    portal: { address: raw.portal.address ?? null },
    federation: {
      listen: raw.federation.listen ?? null,
      /** What secondaries dial (host, or host:port), for the join command; null: from `listen`. */
      advertise: raw.federation.advertise ?? null,
      certFile: at(raw.federation.certFile),
      keyFile: at(raw.federation.keyFile),
    },
    /** The Web Console: off while `listen` is null. */
    console: { listen: raw.console.listen ?? null, certFile: at(raw.console.certFile), keyFile: at(raw.console.keyFile) },
    control: controlSockets(raw.control, base),
    /** The local SMTP submission port (`host:port`), null when off; sendmail's drop folder. */
    submission: { listen: raw.submission.listen ?? null, allowNonLoopback: raw.submission.allowNonLoopback, limits: raw.submission.limits, dropFolder: resolve(base, raw.submission.dropFolder) },
    /** The Prometheus scrape endpoint (`host:port`, plain HTTP), null when off. */
    metrics: { listen: raw.metrics.listen ?? null, allowNonLoopback: raw.metrics.allowNonLoopback },
    relay: {
      maxAgeMs: parseDurationMs(raw.relay.maxAge),
      maxMessageBytes: raw.relay.maxMessageBytes,
      retryMinMs: parseDurationMs(raw.relay.retryMin),
      retryMaxMs: Math.max(parseDurationMs(raw.relay.retryMax), parseDurationMs(raw.relay.retryMin)),
      maxOutboxBytes: raw.relay.maxOutboxBytes,
      minFreeBytes: raw.relay.minFreeBytes,
      shares: raw.relay.shares,
    },
    log: { level: raw.log.level },
    audit: { maxBytes: raw.audit.maxBytes, maxAgeMs: parseDurationMs(raw.audit.maxAge), keptConfigs: raw.audit.keptConfigs },
    /** The files this config's secrets were read from (the file itself, a passwordFile): they must be 0600. */
    secretFiles: [
      ...(raw.mailServer.password !== undefined || raw.mailServer.oauth2?.clientSecret !== undefined || raw.mailServer.oauth2?.refreshToken !== undefined ? [file] : []),
      ...(raw.mailServer.passwordFile !== undefined ? [resolve(base, raw.mailServer.passwordFile)] : []),
      ...(raw.mailServer.oauth2?.clientSecretFile !== undefined ? [resolve(base, raw.mailServer.oauth2.clientSecretFile)] : []),
    ],
    files,
  };
}

function readPassword(raw: RawConfig, base: string, reads: FileReads): string | null {
  if (raw.mailServer.password !== undefined) return raw.mailServer.password;
  if (raw.mailServer.passwordFile === undefined) return null;
  return readSecretLine(resolve(base, raw.mailServer.passwordFile), 'mailServer.passwordFile', reads);
}

function readClientSecret(raw: RawConfig, base: string, reads: FileReads): string | null {
  const section = raw.mailServer.oauth2;
  if (section === undefined) return null;
  if (section.clientSecret !== undefined) return section.clientSecret;
  if (section.clientSecretFile === undefined) return null;
  return readSecretLine(resolve(base, section.clientSecretFile), 'mailServer.oauth2.clientSecretFile', reads);
}

function readSecretLine(path: string, field: string, reads: FileReads): string {
  const text = reads.read(path, field);
  // A trailing newline is how editors and `echo` save a one-line file; it is not part of the secret.
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '' || hasLineBreakOrNul(secret)) {
    throw reads.invalid(field, 'must hold one non-empty line');
  }
  return secret;
}

/**
 * A certificate and its key are read and paired at load, so that a rotated pair that does not
 * match (or a half-copied key) is refused like any bad edit, and the one in use stays.
 */
function readKeyPair(section: { certFile?: string | undefined; keyFile?: string | undefined }, name: string, base: string, reads: FileReads): void {
  if (section.certFile === undefined || section.keyFile === undefined) return;
  const cert = reads.read(resolve(base, section.certFile), `${name}.certFile`);
  const key = reads.read(resolve(base, section.keyFile), `${name}.keyFile`);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's words name the problem ("key values mismatch"), never the key's bytes.
    throw reads.invalid(`${name}.keyFile`, `is not the key of ${name}.certFile, or either is not PEM (${(err as Error).message})`);
  }
}

function oauth2Settings(section: RawConfig['mailServer']['oauth2'], clientSecret: string | null): MailServerSettings['oauth2'] {
  if (section === undefined) return null;
  return {
    tokenUrl: section.tokenUrl,
    clientId: section.clientId,
    clientSecret,
    scope: section.scope ?? null,
    grant: section.grant,
    refreshToken: section.refreshToken ?? null,
  };
}

function fileReads(file: string): FileReads {
  const files: ReferencedFile[] = [];
  const tried: string[] = [];
  const reads: FileReads = {
    files,
    read(path, field) {
      tried.push(path);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw reads.invalid(field, `cannot read ${path} (${reason})`);
      }
      files.push({ field, path, sha256: createHash('sha256').update(text).digest('hex') });
      return text;
    },
    invalid: (field, message) => invalid(file, [{ path: field, message }], { files: [...tried] }),
  };
  return reads;
}

function invalid(file: string, issues: ConfigIssue[], more: Record<string, unknown> = {}): AppError {
  return new AppError('AM_CONFIG_INVALID', `invalid config ${file}: ${formatIssues(issues)}`, {
    details: { file, issues, ...more },
  });
}


/** Setting names are camelCase words; an unknown key that is not one may be a pasted secret. */
const SETTING_NAME = /^[a-z][A-Za-z0-9]{0,39}$/;

/**
 * A schema issue in words that never quote a secret: zod names unknown keys, and an operator who
 * pasted the password where a key goes would see it in the log and in status. Keys that look like
 * setting names (the typo `pasword`) are named; others are only counted.
 */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const named = issue.keys.filter((key) => SETTING_NAME.test(key));
  const unnamed = issue.keys.length - named.length;
  const parts = [...named.map((key) => `"${key}"`), ...(unnamed > 0 ? [`${unnamed} key(s) that are no setting name (not shown: they may be secrets)`] : [])];
  return `unknown key${issue.keys.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
}
