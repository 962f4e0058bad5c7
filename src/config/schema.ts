/**
 * The config file's one schema. Strict: an unknown key is an error (a typo must not silently
 * leave a default in force). Defaults live here and nowhere else.
 */
import { z } from 'zod';
import { checkMailAuth, mailAuthSchema, oauth2GrantSchema, tokenUrlField } from '../settings/oauth2.js';
import { checkMailServer } from '../settings/schema.js';
import { isLoopbackHost, parseHostPort, SMTP_DEFAULT_PORT } from './address.js';
import { checkRecipients, emailField, hostPortField, nodeNameField, nonEmpty, portalAddressField, singleLine } from './fields.js';

export const CONFIG_DEFAULTS = {
  stateDir: '/var/lib/appliance-mail',
  controlSocket: '/run/appliance-mail/control.sock',
  /** Group and owner may use the control socket; others may not (the socket carries mail). */
  controlSocketMode: '0660',
  /** Only the daemon's user (and root) administer: the admin socket hands out tokens and secrets' uses. */
  adminSocketMode: '0600',
  logLevel: 'info',
  tls: true,
  /** As Postfix's maximal_queue_lifetime: mail that could not be delivered in 5 days expires. */
  maxAge: '5d',
  /** First retry of a failed delivery; doubles up to retryMax (Postfix: 300 s to 4000 s). */
  retryMin: '30s',
  retryMax: '15m',
  /** Large enough for a digest with inline HTML, small enough to keep a burst in memory. */
  maxMessageBytes: 10 * 1024 * 1024,
  /**
   * What the outbox may hold on disk (queued, deferred and dead). Large enough to ride out a
   * weekend without a mail server: two days of an alert storm at one 40 KB alert a second is
   * about 7 GB, or 800 digests at the message cap; bounded so that one runaway submitter cannot
   * take the whole disk. minFreeBytes protects the filesystem whichever comes first.
   */
  maxOutboxBytes: 8 * 1024 * 1024 * 1024,
  /**
   * As Postfix's queue_minfree: intake stops while the state filesystem has less free than this,
   * so that the state file, the logs and the journal's own records can still be written. Room
   * for a few messages at the cap and then some.
   */
  minFreeBytes: 256 * 1024 * 1024,
  /**
   * The audit trail's two files together: about 30,000 settings changes with their diffs, a
   * year of a busy fleet's administration, and small beside the outbox.
   */
  auditMaxBytes: 16 * 1024 * 1024,
  /** As long as a yearly review needs the answer to "who changed that". */
  auditMaxAge: '400d',
  /** Saved configurations kept for a revert (pfSense keeps 30 backups; a config file is a few KB). */
  auditKeptConfigs: 30,
} as const;

/** The administrators' socket's file name, beside control.socket unless control.adminSocket says otherwise. */
export const ADMIN_SOCKET_NAME = 'admin.sock';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const fileMode = z.string().regex(/^0?[0-7]{3}$/, 'must be an octal file mode such as 0660');

/**
 * The file's mailServer.oauth2 section: the client secret inline or in a file (as the password).
 * The grant's own rules are the settings' (oauth2SettingsSchema), checked once the file is read.
 */
const oauth2FileSchema = z
  .strictObject({
    tokenUrl: tokenUrlField,
    clientId: singleLine,
    clientSecret: singleLine.optional(),
    clientSecretFile: nonEmpty.optional(),
    scope: singleLine.optional(),
    grant: oauth2GrantSchema,
    refreshToken: singleLine.optional(),
  })
  .superRefine((section, ctx) => {
    if (section.clientSecret !== undefined && section.clientSecretFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientSecretFile'], message: 'give clientSecret or clientSecretFile, not both' });
    }
  });

/**
 * The file's mailServer section: `server` as `host[:port]`, the password inline or in a file, the
 * CA as a file. The cross-field rules are the settings' own (`checkMailServer`); the resolved
 * result is checked again by the settings schema once the files are read (see load.ts).
 */
const mailServerSchema = z
  .strictObject({
    enabled: z.boolean(),
    server: hostPortField(SMTP_DEFAULT_PORT).optional(),
    sender: emailField.optional(),
    username: singleLine.optional(),
    password: singleLine.optional(),
    passwordFile: nonEmpty.optional(),
    tls: z.boolean().default(CONFIG_DEFAULTS.tls),
    allowPlaintextAuth: z.boolean().default(false),
    caFile: nonEmpty.optional(),
    auth: mailAuthSchema.default('password'),
    oauth2: oauth2FileSchema.optional(),
  })
  .superRefine((section, ctx) => {
    if (section.password !== undefined && section.passwordFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
    }
    const password = section.password ?? section.passwordFile;
    checkMailServer({ ...section, password }, ctx);
    checkMailAuth({ ...section, password }, ctx);
  });

const recipientsSchema = z.union([z.string(), z.array(z.string())]).superRefine(checkRecipients);

/**
 * A TLS server's section (federation, console): where it listens (port 0: the system picks one,
 * as tests bind) and, optionally, its own certificate and key, which go together.
 */
const tlsListenerShape = {
  listen: hostPortField(null, { allowPortZero: true }).optional(),
  certFile: nonEmpty.optional(),
  keyFile: nonEmpty.optional(),
};

function certAndKeyTogether(section: { certFile?: string | undefined; keyFile?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((section.certFile === undefined) !== (section.keyFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
  }
}

export const configSchema = z
  .strictObject({
    node: z.strictObject({
      name: nodeNameField,
      role: z.enum(['primary', 'secondary']),
      stateDir: nonEmpty.default(CONFIG_DEFAULTS.stateDir),
    }),
    mailServer: mailServerSchema,
    notifications: z.strictObject({ recipients: recipientsSchema.default([]) }).default({ recipients: [] }),
    portal: z
      .strictObject({
        address: portalAddressField.optional(),
      })
      .default({}),
    federation: z
      .strictObject({
        ...tlsListenerShape,
        /**
         * The address secondaries dial (kubeadm's advertise address), for the join command that
         * `token create` prints: `host` (the bound port) or `host:port` (a NAT or a proxy in between).
         */
        advertise: hostPortField(0).optional(),
      })
      .superRefine(certAndKeyTogether)
      .default({}),
    control: z
      .strictObject({
        socket: nonEmpty.default(CONFIG_DEFAULTS.controlSocket),
        socketMode: fileMode.default(CONFIG_DEFAULTS.controlSocketMode),
        adminSocket: nonEmpty.optional(),
        adminSocketMode: fileMode.default(CONFIG_DEFAULTS.adminSocketMode),
      })
      .superRefine((section, ctx) => {
        if (section.adminSocket !== undefined && section.adminSocket === section.socket) {
          ctx.addIssue({ code: 'custom', path: ['adminSocket'], message: 'must differ from control.socket: submitters and administrators need separate doors' });
        }
      })
      .default({ socket: CONFIG_DEFAULTS.controlSocket, socketMode: CONFIG_DEFAULTS.controlSocketMode, adminSocketMode: CONFIG_DEFAULTS.adminSocketMode }),
    submission: z
      .strictObject({
        // Port 0: the system picks a free port, which the log line 'appliance-mail ready' shows.
        listen: hostPortField(null, { allowPortZero: true }).optional(),
        allowNonLoopback: z.boolean().default(false),
      })
      .superRefine(loopbackUnlessAllowed('the submission port has no AUTH', 'submission.allowNonLoopback'))
      .default({ allowNonLoopback: false }),
    metrics: z
      .strictObject({
        // Port 0: the system picks a free port, which the log line 'metrics listening' shows.
        listen: hostPortField(null, { allowPortZero: true }).optional(),
        allowNonLoopback: z.boolean().default(false),
      })
      .superRefine(loopbackUnlessAllowed('the metrics endpoint is plain HTTP without authentication', 'metrics.allowNonLoopback'))
      .default({ allowNonLoopback: false }),
    relay: z
      .strictObject({
        maxAge: z.string().regex(DURATION, 'must be a duration such as 30m, 12h or 5d').default(CONFIG_DEFAULTS.maxAge),
        maxMessageBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(CONFIG_DEFAULTS.maxMessageBytes),
        retryMin: z.string().regex(DURATION, 'must be a duration such as 30s or 5m').default(CONFIG_DEFAULTS.retryMin),
        retryMax: z.string().regex(DURATION, 'must be a duration such as 15m or 1h').default(CONFIG_DEFAULTS.retryMax),
        maxOutboxBytes: z.number().int().min(1024 * 1024).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.maxOutboxBytes),
        minFreeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.minFreeBytes),
      })
      .default({
        maxAge: CONFIG_DEFAULTS.maxAge,
        maxMessageBytes: CONFIG_DEFAULTS.maxMessageBytes,
        retryMin: CONFIG_DEFAULTS.retryMin,
        retryMax: CONFIG_DEFAULTS.retryMax,
        maxOutboxBytes: CONFIG_DEFAULTS.maxOutboxBytes,
        minFreeBytes: CONFIG_DEFAULTS.minFreeBytes,
      }),
    console: z.strictObject(tlsListenerShape).superRefine(certAndKeyTogether).default({}),
    audit: z
      .strictObject({
        maxBytes: z.number().int().min(64 * 1024).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.auditMaxBytes),
        maxAge: z.string().regex(DURATION, 'must be a duration such as 30d').default(CONFIG_DEFAULTS.auditMaxAge),
        keptConfigs: z.number().int().min(1).max(1000).default(CONFIG_DEFAULTS.auditKeptConfigs),
      })
      .default({ maxBytes: CONFIG_DEFAULTS.auditMaxBytes, maxAge: CONFIG_DEFAULTS.auditMaxAge, keptConfigs: CONFIG_DEFAULTS.auditKeptConfigs }),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default(CONFIG_DEFAULTS.logLevel),
      })
      .default({ level: CONFIG_DEFAULTS.logLevel }),
  })
  .superRefine((config, ctx) => {
    if (config.node.role === 'secondary' && config.federation.listen !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['federation', 'listen'],
        message: 'only a primary serves secondaries; remove it or set node.role to "primary"',
      });
    }
    if (config.node.role === 'secondary' && config.federation.advertise !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['federation', 'advertise'],
        message: 'only a primary is dialled by secondaries; remove it or set node.role to "primary"',
      });
    }
  });

export type RawConfig = z.output<typeof configSchema>;

/**
 * A listener without authentication (submission port, metrics) stays on loopback unless the
 * operator opts in: then whatever they put in front of it (a firewall, a proxy) is their choice.
 */
function loopbackUnlessAllowed(why: string, optIn: string) {
  return (section: { listen?: string | undefined; allowNonLoopback: boolean }, ctx: z.RefinementCtx): void => {
    if (section.listen === undefined || section.allowNonLoopback) return;
    const parsed = parseHostPort(section.listen, null, { allowPortZero: true });
    if (!('error' in parsed) && !isLoopbackHost(parsed.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen'],
        message: `'${parsed.host}' is not a loopback address: ${why}, so it listens on 127.0.0.1, ::1 or localhost unless ${optIn} is true`,
      });
    }
  };
}

/** Parses durations such as `90s`, `12h`, `5d` into milliseconds. */
export function parseDurationMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`'${value}' is not a duration`);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unitMs;
}
