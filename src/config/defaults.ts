/**
 * What the CLI needs of the config without its schema: the defaults, durations, where the control
 * sockets are. Kept apart from schema.ts (zod, ~100 files to load) so that a command that only
 * talks to the daemon (status, sendmail, outbox) starts without it.
 */
import { basename, dirname, join, resolve } from 'node:path';

export const CONFIG_DEFAULTS = {
  stateDir: '/var/lib/appliance-mail',
  controlSocket: '/run/appliance-mail/control.sock',
  /** Group and owner may use the control socket; others may not (the socket carries mail). */
  controlSocketMode: '0660',
  /** Only the daemon's user (and root) administer: the admin socket hands out tokens and secrets' uses. */
  adminSocketMode: '0600',
  logLevel: 'info',
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
   * What the submission port, sendmail and digests may each fill of the outbox's room (its quota,
   * or the free space above minFreeBytes when less). A quarter each: a flood through all three at
   * once still leaves a quarter for alerts, the Appliance's notifications and tests, which may
   * fill all of it (docs/explanation/outbox-room.md).
   */
  shares: { submissionPort: 0.25, sendmail: 0.25, digests: 0.25 },
  /**
   * Per source address on the submission port, as Postfix's anvil: far above what cron, smartd,
   * mdadm and Grafana send on one Appliance (all of them share 127.0.0.1), far below a loop
   * that means to fill the disk (one connection wrote 3 MB/s in the attack review).
   */
  submissionLimits: { connectionsPerMinute: 120, messagesPerMinute: 120, bytesPerMinute: 50 * 1024 * 1024, concurrentConnections: 10 },
  /**
   * Where `sendmail` leaves a message while the daemon cannot take it (Postfix's maildrop):
   * beside the state, not in it (the state is the daemon's alone; this folder is the submitters'
   * group's to write into), and not under /run, which a reboot empties.
   */
  dropFolder: '/var/spool/appliance-mail',
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

/** A duration as the config writes it: `90s`, `12h`, `5d`. */
export const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** Parses durations such as `90s`, `12h`, `5d` into milliseconds. */
export function parseDurationMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`'${value}' is not a duration`);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unitMs;
}

/**
 * Both control sockets, resolved against the config's folder. The administrators' socket sits
 * beside the submitters' one unless placed elsewhere; the CLI resolves them the same way.
 */
export function controlSockets(raw: { socket: string; socketMode: string; adminSocket?: string | undefined; adminSocketMode: string }, base: string) {
  const socket = resolve(base, raw.socket);
  return {
    /** The submitters' socket: submit, notify, digest, status. */
    socket,
    socketMode: Number.parseInt(raw.socketMode, 8),
    /** The administrators' socket: every call. */
    adminSocket: raw.adminSocket === undefined ? defaultAdminSocket(socket) : resolve(base, raw.adminSocket),
    adminSocketMode: Number.parseInt(raw.adminSocketMode, 8),
  };
}

/**
 * The administrators' socket beside `socket`, named after it so that two daemons whose sockets
 * share a folder (`a.sock`, `b.sock`) never want the same one (`a.admin.sock`, `b.admin.sock`).
 * The default `control.sock` keeps its `admin.sock`.
 */
export function defaultAdminSocket(socket: string): string {
  const name = basename(socket);
  if (name === 'control.sock') return join(dirname(socket), ADMIN_SOCKET_NAME);
  const stem = name.endsWith('.sock') ? name.slice(0, -'.sock'.length) : name;
  return join(dirname(socket), `${stem}.${ADMIN_SOCKET_NAME}`);
}
