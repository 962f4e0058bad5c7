/**
 * The config file's one schema. Strict: an unknown key is an error (a typo must not silently
 * leave a default in force). Defaults live here and nowhere else.
 */
import { z } from 'zod';
import { isEmailAddress, isHostname, isLoopbackHost, parseHostPort, parseMailServer, splitRecipients } from './address.js';

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
} as const;

/** The administrators' socket's file name, beside control.socket unless control.adminSocket says otherwise. */
export const ADMIN_SOCKET_NAME = 'admin.sock';

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const fileMode = z.string().regex(/^0?[0-7]{3}$/, 'must be an octal file mode such as 0660');

const nonEmpty = z.string().min(1, 'must not be empty');

function hostPort(defaultPort: number | null) {
  return nonEmpty.superRefine((value, ctx) => {
    const parsed = parseHostPort(value, defaultPort);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });
}

const email = nonEmpty.refine(isEmailAddress, { message: 'is not a valid email address (user@example.com)' });
const noControlChars = nonEmpty.refine((value) => !/[\r\n\0]/.test(value), {
  message: 'must not contain CR, LF or NUL',
});

const mailServerSchema = z
  .strictObject({
    enabled: z.boolean(),
    server: nonEmpty
      .superRefine((value, ctx) => {
        const parsed = parseMailServer(value);
        if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
      })
      .optional(),
    sender: email.optional(),
    username: noControlChars.optional(),
    password: noControlChars.optional(),
    passwordFile: nonEmpty.optional(),
    tls: z.boolean().default(CONFIG_DEFAULTS.tls),
    caFile: nonEmpty.optional(),
  })
  .superRefine((section, ctx) => {
    if (section.password !== undefined && section.passwordFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
    }
    if ((section.password !== undefined || section.passwordFile !== undefined) && section.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required when a password is set' });
    }
    if (section.enabled) {
      if (section.server === undefined) {
        ctx.addIssue({ code: 'custom', path: ['server'], message: 'is required when the mail server is enabled' });
      }
      if (section.sender === undefined) {
        ctx.addIssue({ code: 'custom', path: ['sender'], message: 'is required when the mail server is enabled' });
      }
    }
  });

const recipientsSchema = z.union([z.string(), z.array(z.string())]).superRefine((value, ctx) => {
  const { invalid } = splitRecipients(value);
  for (const address of invalid) {
    ctx.addIssue({ code: 'custom', message: `'${address}' is not a valid email address` });
  }
});

export const configSchema = z
  .strictObject({
    node: z.strictObject({
      name: nonEmpty.regex(NODE_NAME, 'must be 1-63 letters, digits, dots, dashes or underscores'),
      role: z.enum(['primary', 'secondary']),
      stateDir: nonEmpty.default(CONFIG_DEFAULTS.stateDir),
    }),
    mailServer: mailServerSchema,
    notifications: z.strictObject({ recipients: recipientsSchema.default([]) }).default({ recipients: [] }),
    portal: z
      .strictObject({
        address: nonEmpty
          .refine((value) => isPortalAddress(value), {
            message: 'must be a DNS name or IP, with optional http(s):// scheme and :port',
          })
          .optional(),
      })
      .default({}),
    federation: z
      .strictObject({
        listen: hostPort(null).optional(),
        certFile: nonEmpty.optional(),
        keyFile: nonEmpty.optional(),
      })
      .superRefine((section, ctx) => {
        if ((section.certFile === undefined) !== (section.keyFile === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
        }
      })
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
        listen: hostPort(null).optional(),
        allowNonLoopback: z.boolean().default(false),
      })
      .superRefine((section, ctx) => {
        if (section.listen === undefined || section.allowNonLoopback) return;
        const parsed = parseHostPort(section.listen, null);
        if (!('error' in parsed) && !isLoopbackHost(parsed.host)) {
          ctx.addIssue({
            code: 'custom',
            path: ['listen'],
            message: `'${parsed.host}' is not a loopback address: the submission port has no AUTH, so it listens on 127.0.0.1, ::1 or localhost unless submission.allowNonLoopback is true`,
          });
        }
      })
      .default({ allowNonLoopback: false }),
    relay: z
      .strictObject({
        maxAge: z.string().regex(DURATION, 'must be a duration such as 30m, 12h or 5d').default(CONFIG_DEFAULTS.maxAge),
        maxMessageBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(CONFIG_DEFAULTS.maxMessageBytes),
        retryMin: z.string().regex(DURATION, 'must be a duration such as 30s or 5m').default(CONFIG_DEFAULTS.retryMin),
        retryMax: z.string().regex(DURATION, 'must be a duration such as 15m or 1h').default(CONFIG_DEFAULTS.retryMax),
      })
      .default({
        maxAge: CONFIG_DEFAULTS.maxAge,
        maxMessageBytes: CONFIG_DEFAULTS.maxMessageBytes,
        retryMin: CONFIG_DEFAULTS.retryMin,
        retryMax: CONFIG_DEFAULTS.retryMax,
      }),
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
  });

export type RawConfig = z.output<typeof configSchema>;

/** `portal.example.com`, `10.0.0.5:8443`, `https://[2001:db8::5]`, `http://portal:8080`. */
export function isPortalAddress(value: string): boolean {
  const match = /^(?:(https?):\/\/)?([^/]+?)\/?$/.exec(value);
  if (!match) return false;
  const parsed = parseHostPort(match[2] ?? '', 443);
  return !('error' in parsed) && isHostname(parsed.host);
}

/** Parses durations such as `90s`, `12h`, `5d` into milliseconds. */
export function parseDurationMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`'${value}' is not a duration`);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unitMs;
}
