/**
 * The config file's one schema. Strict: an unknown key is an error (a typo must not silently
 * leave a default in force). Defaults live here and nowhere else; each setting carries its own
 * words (label, help, secret, restart, federated: see setting.ts), from which the console forms,
 * the JSON Schema and the reference docs are made (catalog.ts).
 */
import { z } from 'zod';
import { isLoopbackHost, parseHostPort } from '../util/address.js';
import { checkRecipients, hostPortField, nodeNameField, nonEmpty, portalAddressField } from '../settings/fields.js';
import { mailServerSchema } from './schema-mail.js';
import { ADMIN_SOCKET_NAME, CONFIG_DEFAULTS, DURATION } from './defaults.js';
import { setting } from './setting.js';


/** Room always kept for alerts: the capped doors' shares add up to at most this. */
export const MAX_SHARES_SUM = 0.9;

/** A name without a domain, as cron, smartd and mdadm address mail: `root`, `postmaster`. */
export const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

const fileMode = z.string().regex(/^0?[0-7]{3}$/, 'must be an octal file mode such as 0660');
const duration = (example: string) => z.string().regex(DURATION, `must be a duration such as ${example}`);
const relativeToFile = "Relative paths start at the config file's folder.";

const recipientsSchema = z.union([z.string(), z.array(z.string())]).superRefine(checkRecipients);

/**
 * A TLS server's section (federation, console): where it listens (port 0: the system picks one,
 * as tests bind) and, optionally, its own certificate and key, which go together.
 */
function tlsListenerShape(what: string) {
  return {
    listen: setting(hostPortField(null, { allowPortZero: true }).optional(), {
      label: `${what} address`,
      help: `host:port the ${what} listens on (HTTPS/TLS; port 0: the system picks one). Unset: off.`,
      restart: true,
    }),
    certFile: setting(nonEmpty.optional(), {
      label: `${what} certificate file`,
      help: `PEM certificate of the ${what}, with keyFile. Unset: a self-signed one kept in the state folder. ${relativeToFile}`,
      restart: true,
    }),
    keyFile: setting(nonEmpty.optional(), { label: `${what} key file`, help: `PEM private key of certFile (mode 0600). ${relativeToFile}`, restart: true }),
  };
}

function certAndKeyTogether(section: { certFile?: string | undefined; keyFile?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((section.certFile === undefined) !== (section.keyFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
  }
}

/** A plain listener without authentication (submission port, metrics), loopback unless allowed. */
function plainListenerShape(what: string, readyLine: string) {
  return {
    listen: setting(hostPortField(null, { allowPortZero: true }).optional(), {
      label: `${what} address`,
      help: `host:port of the ${what}; port 0: the system picks a free one, which the log line '${readyLine}' shows. Unset: off.`,
      restart: true,
    }),
    allowNonLoopback: setting(z.boolean().default(false), {
      label: `Allow ${what} beyond loopback`,
      help: `The ${what} has no authentication: it listens on loopback only unless this is true (then a firewall or proxy in front is the operator's choice).`,
      restart: true,
    }),
  };
}

export const configSchema = z
  .strictObject({
    /** Where an editor finds this file's JSON Schema; the daemon ignores it. */
    $schema: z.string().optional(),
    node: z.strictObject({
      name: setting(nodeNameField, {
        label: 'Node name',
        help: "This Appliance's name in the fleet: in its credential, the primary's node list, notifications and file names.",
      }),
      role: setting(z.enum(['primary', 'secondary']), {
        label: 'Role',
        help: 'primary: serves its settings to secondaries (standalone while none joined). secondary: may join a primary.',
        restart: true,
        choices: { primary: 'Primary', secondary: 'Secondary' },
      }),
      stateDir: setting(nonEmpty.default(CONFIG_DEFAULTS.stateDir), {
        label: 'State folder',
        help: `Where the daemon keeps its state, outbox and certificates (mode 0700). ${relativeToFile}`,
        restart: true,
      }),
    }),
    mailServer: mailServerSchema,
    notifications: z
      .strictObject({
        recipients: setting(recipientsSchema.default([]), {
          label: 'Notification recipients',
          help: 'Comma separated (or a JSON array): they receive the Appliance notifications and test emails.',
          federated: true,
        }),
        localRecipients: setting(
          z.record(z.string().regex(LOCAL_NAME, 'must be a local name such as root or backup (letters, digits, . _ + -)'), recipientsSchema).default({}),
          {
            label: 'Local recipients',
            help: "Where this host's mail to a local name goes instead of the notification recipients: {\"backup\": \"backup-team@example.com\"}. Local names are root, postmaster, any name without a domain, and name@localhost, name@<host name>, name@<node.name> (as cron, smartd and mdadm address mail).",
          },
        ),
      })
      .default({ recipients: [], localRecipients: {} }),
    portal: z
      .strictObject({
        address: setting(portalAddressField.optional(), {
          label: 'Portal address',
          help: 'DNS name or IP, optional https:// and :port; digests link to it. A centralized secondary takes its primary\'s.',
          federated: true,
        }),
      })
      .default({}),
    federation: z
      .strictObject({
        ...tlsListenerShape('federation port'),
        advertise: setting(hostPortField(0).optional(), {
          label: 'Advertised address',
          help: 'What secondaries dial, for the join command `token create` prints (kubeadm\'s advertise address): host (with the bound port) or host:port (a NAT or proxy in between). Unset: from listen.',
        }),
      })
      .superRefine(certAndKeyTogether)
      .default({}),
    control: z
      .strictObject({
        socket: setting(nonEmpty.default(CONFIG_DEFAULTS.controlSocket), {
          label: 'Control socket',
          help: `The submitters' socket (submit, notify, digest, status). ${relativeToFile}`,
          restart: true,
        }),
        socketMode: setting(fileMode.default(CONFIG_DEFAULTS.controlSocketMode), {
          label: 'Control socket mode',
          help: "Octal file mode of the control socket: its owner and group may submit (the socket carries mail).",
          restart: true,
        }),
        adminSocket: setting(nonEmpty.optional(), {
          label: 'Administrators\' socket',
          help: `The socket every call is allowed on; must differ from control.socket. ${relativeToFile}`,
          restart: true,
          defaultText: `${ADMIN_SOCKET_NAME} in control.socket's folder`,
        }),
        adminSocketMode: setting(fileMode.default(CONFIG_DEFAULTS.adminSocketMode), {
          label: 'Administrators\' socket mode',
          help: 'Octal file mode of the administrators\' socket: only the daemon\'s user (and root) administer.',
          restart: true,
        }),
      })
      .superRefine((section, ctx) => {
        if (section.adminSocket !== undefined && section.adminSocket === section.socket) {
          ctx.addIssue({ code: 'custom', path: ['adminSocket'], message: 'must differ from control.socket: submitters and administrators need separate doors' });
        }
      })
      .default({ socket: CONFIG_DEFAULTS.controlSocket, socketMode: CONFIG_DEFAULTS.controlSocketMode, adminSocketMode: CONFIG_DEFAULTS.adminSocketMode }),
    submission: z
      .strictObject({
        ...plainListenerShape('submission port', 'appliance-mail ready'),
        limits: z
          .strictObject({
            connectionsPerMinute: setting(z.number().int().min(1).default(CONFIG_DEFAULTS.submissionLimits.connectionsPerMinute), {
              label: 'Connections per minute per client',
              help: 'New connections one source address may open in a minute (as Postfix\'s anvil); past it the client gets a 421 naming the limit.',
            }),
            messagesPerMinute: setting(z.number().int().min(1).default(CONFIG_DEFAULTS.submissionLimits.messagesPerMinute), {
              label: 'Messages per minute per client',
              help: 'Messages one source address may submit in a minute; past it a 451 naming the limit.',
            }),
            bytesPerMinute: setting(z.number().int().min(1024).default(CONFIG_DEFAULTS.submissionLimits.bytesPerMinute), {
              label: 'Bytes per minute per client',
              help: 'Message bytes one source address may submit in a minute; past it a 451 naming the limit.',
            }),
            concurrentConnections: setting(z.number().int().min(1).max(1000).default(CONFIG_DEFAULTS.submissionLimits.concurrentConnections), {
              label: 'Connections at once per client',
              help: 'Connections one source address may hold open at once; past it a 421 naming the limit.',
            }),
          })
          .default(CONFIG_DEFAULTS.submissionLimits),
        dropFolder: setting(nonEmpty.default(CONFIG_DEFAULTS.dropFolder), {
          label: 'sendmail drop folder',
          help: `Where sendmail leaves mail while the daemon cannot take it (stopped, starting); the daemon takes it from there. Mode 1730, owner and group appliance-mail (systemd/appliance-mail.tmpfiles makes it). ${relativeToFile}`,
          restart: true,
        }),
      })
      .superRefine(loopbackUnlessAllowed('the submission port has no AUTH', 'submission.allowNonLoopback'))
      .default({ allowNonLoopback: false, limits: CONFIG_DEFAULTS.submissionLimits, dropFolder: CONFIG_DEFAULTS.dropFolder }),
    metrics: z
      .strictObject(plainListenerShape('metrics endpoint', 'metrics listening'))
      .superRefine(loopbackUnlessAllowed('the metrics endpoint is plain HTTP without authentication', 'metrics.allowNonLoopback'))
      .default({ allowNonLoopback: false }),
    relay: z
      .strictObject({
        maxAge: setting(duration('30m, 12h or 5d').default(CONFIG_DEFAULTS.maxAge), {
          label: 'Maximum age',
          help: 'Mail not delivered in this long expires to a dead letter (as Postfix\'s maximal_queue_lifetime). A duration: 90s, 30m, 12h, 5d.',
        }),
        maxMessageBytes: setting(z.number().int().min(1024).max(100 * 1024 * 1024).default(CONFIG_DEFAULTS.maxMessageBytes), {
          label: 'Maximum message size',
          help: 'Bytes; a larger message is refused at intake (1 KiB to 100 MiB).',
        }),
        retryMin: setting(duration('30s or 5m').default(CONFIG_DEFAULTS.retryMin), {
          label: 'First retry after',
          help: 'The wait after a first failed delivery; it doubles up to retryMax.',
        }),
        retryMax: setting(duration('15m or 1h').default(CONFIG_DEFAULTS.retryMax), {
          label: 'Longest retry wait',
          help: 'The longest wait between two delivery attempts (at least retryMin).',
        }),
        maxOutboxBytes: setting(z.number().int().min(1024 * 1024).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.maxOutboxBytes), {
          label: 'Outbox size limit',
          help: 'Bytes the outbox may hold on disk (queued, deferred and dead); past it, new messages are refused and queued mail is kept.',
        }),
        minFreeBytes: setting(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.minFreeBytes), {
          label: 'Free space floor',
          help: 'Intake stops while the state filesystem has less free than this many bytes (as Postfix\'s queue_minfree).',
        }),
        shares: z
          .strictObject({
            submissionPort: setting(z.number().min(0.01).max(MAX_SHARES_SUM).default(CONFIG_DEFAULTS.shares.submissionPort), {
              label: 'Submission port share',
              help: 'The fraction of the outbox (relay.maxOutboxBytes and the room above relay.minFreeBytes) that mail from the local SMTP port may fill.',
            }),
            sendmail: setting(z.number().min(0.01).max(MAX_SHARES_SUM).default(CONFIG_DEFAULTS.shares.sendmail), {
              label: 'sendmail share',
              help: 'The fraction of the outbox that mail from the sendmail command and the drop folder may fill.',
            }),
            digests: setting(z.number().min(0.01).max(MAX_SHARES_SUM).default(CONFIG_DEFAULTS.shares.digests), {
              label: 'Digests share',
              help: "The fraction of the outbox that the Portal's digests may fill.",
            }),
          })
          .refine((shares) => shares.submissionPort + shares.sendmail + shares.digests <= MAX_SHARES_SUM + 1e-9, {
            message: `the shares add up to more than ${MAX_SHARES_SUM}: the rest of the room is kept for alerts, the Appliance's notifications and tests`,
          })
          .default(CONFIG_DEFAULTS.shares),
      })
      .default({
        maxAge: CONFIG_DEFAULTS.maxAge,
        maxMessageBytes: CONFIG_DEFAULTS.maxMessageBytes,
        retryMin: CONFIG_DEFAULTS.retryMin,
        retryMax: CONFIG_DEFAULTS.retryMax,
        maxOutboxBytes: CONFIG_DEFAULTS.maxOutboxBytes,
        minFreeBytes: CONFIG_DEFAULTS.minFreeBytes,
        shares: CONFIG_DEFAULTS.shares,
      }),
    console: z.strictObject(tlsListenerShape('Web Console')).superRefine(certAndKeyTogether).default({}),
    audit: z
      .strictObject({
        maxBytes: setting(z.number().int().min(64 * 1024).max(Number.MAX_SAFE_INTEGER).default(CONFIG_DEFAULTS.auditMaxBytes), {
          label: 'Audit trail size',
          help: 'Bytes the audit trail may hold (its two files together); the oldest entries go first.',
        }),
        maxAge: setting(duration('30d or 400d').default(CONFIG_DEFAULTS.auditMaxAge), {
          label: 'Audit trail age',
          help: 'Audit entries older than this are not shown, and leave the disk a file at a time.',
        }),
        keptConfigs: setting(z.number().int().min(1).max(1000).default(CONFIG_DEFAULTS.auditKeptConfigs), {
          label: 'Kept configurations',
          help: 'How many saved configuration files are kept (0600, secrets included) for appliance-mail revert.',
        }),
      })
      .default({ maxBytes: CONFIG_DEFAULTS.auditMaxBytes, maxAge: CONFIG_DEFAULTS.auditMaxAge, keptConfigs: CONFIG_DEFAULTS.auditKeptConfigs }),
    log: z
      .strictObject({
        level: setting(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default(CONFIG_DEFAULTS.logLevel), {
          label: 'Log level',
          help: 'The least severe level written to the journal; read at start.',
          restart: true,
        }),
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
