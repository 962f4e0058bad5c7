/**
 * What each error code means to an operator and what to do about it: the words of
 * docs/reference/errors.md, generated from here by scripts/docs/errors.mjs (`npm run docs`). Typed
 * by the registry, so a new code does not compile until it is documented.
 */
import type { ErrorCode } from './registry.js';

export interface ErrorDoc {
  /** What happened, in the words an operator reads. */
  what: string;
  /** What to do. */
  fix: string;
}

/** A declarative table: one entry per code, in the registry's order. */
export const ERROR_DOCS: Record<ErrorCode, ErrorDoc> = {
  AM_USAGE: {
    what: 'The command line is wrong (unknown option, missing value).',
    fix: 'Read `appliance-mail COMMAND --help`.',
  },
  AM_CONFIG_INVALID: {
    what: 'The config file is not valid; each problem is listed as `field.path: reason`. A live edit is refused whole and the last good config stays.',
    fix: 'Fix the named fields; `appliance-mail validate` checks a file without applying it.',
  },
  AM_CONFIG_UNREADABLE: {
    what: 'The config file is missing or cannot be read.',
    fix: 'Check the path (`--config`, `APPLIANCE_MAIL_CONFIG`) and its permissions.',
  },
  AM_STATE_CORRUPT: {
    what: 'The state file under `node.stateDir` does not parse or does not match its schema. The daemon does not start on it and never resets it silently.',
    fix: 'Restore it from a backup, or move it aside (a secondary must then join again).',
  },
  AM_STATE_IO: {
    what: 'The state file could not be read or written (disk full, read-only, permissions).',
    fix: 'Free space or fix the permissions of `node.stateDir`.',
  },
  AM_DAEMON_UNREACHABLE: {
    what: 'The CLI could not reach the daemon on its control socket.',
    fix: 'Start the service; check that `control.socket` matches the config passed to the CLI.',
  },
  AM_ALREADY_RUNNING: {
    what: 'Another daemon runs on the same state folder (`node.stateDir`; the message names its pid), or listens on the same control socket. The second daemon stops before it reads, sends or changes anything.',
    fix: 'Stop the other one (`systemctl stop appliance-mail`), or give this one another `node.stateDir` / `control.socket`.',
  },
  AM_ADDRESS_IN_USE: {
    what: 'The address the daemon must listen on (`federation.listen`, named in the message) is taken by another process.',
    fix: "Find it (`ss -ltnp 'sport = :PORT'`) and stop it, or choose another `federation.listen`.",
  },
  AM_CLOSED: {
    what: 'The component was shutting down when the request arrived.',
    fix: 'Retry once the daemon is back.',
  },
  AM_INVALID_ARGUMENT: {
    what: 'A request carries a value that is not valid (named in the message).',
    fix: 'Correct the value.',
  },
  AM_ADMIN_ONLY: {
    what: "An administrator's call (tokens, nodes, join, mode, outbox admin, test email) came through the submitters' socket (`control.socket`). Submitters may only submit, notify, send digests and read status.",
    fix: "Run it as an administrator: root, or the daemon's user, which reach `control.adminSocket`.",
  },
  AM_NOT_PRIMARY: {
    what: 'The command only makes sense on the primary (tokens, nodes).',
    fix: 'Run it on the primary.',
  },
  AM_NOT_SECONDARY: {
    what: 'The command only makes sense on a secondary (join, centralize).',
    fix: 'Run it on a secondary (`node.role: "secondary"`).',
  },
  AM_TOKEN_INVALID: {
    what: 'The join token is malformed or unknown to the primary.',
    fix: 'Create a new one on the primary with `appliance-mail token create`.',
  },
  AM_TOKEN_EXPIRED: {
    what: "The join token's time to live has passed.",
    fix: 'Create a new one.',
  },
  AM_TOKEN_USED: {
    what: 'The join token was already used; each token admits one node.',
    fix: 'Create a new one.',
  },
  AM_TOKEN_UNKNOWN: {
    what: '`token delete` was given an id that names no join token of this primary.',
    fix: 'See `appliance-mail token list`.',
  },
  AM_PRIMARY_CERT_MISMATCH: {
    what: "The primary's certificate does not match the hash in the token (or the one pinned at join). Nothing was sent to it.",
    fix: 'Check that `--primary` points to the real primary; create a token there again.',
  },
  AM_PRIMARY_UNREACHABLE: {
    what: 'The primary could not be reached.',
    fix: 'Check the address, the port (`federation.listen` on the primary) and the network.',
  },
  AM_UNAUTHENTICATED: {
    what: 'A federation call came without a valid node credential.',
    fix: 'Join the node (again).',
  },
  AM_NODE_REVOKED: {
    what: 'This node was removed from the primary (`nodes remove`).',
    fix: 'Join it again with a new token if it should come back.',
  },
  AM_NODE_UNKNOWN: {
    what: 'No secondary of that name is known to the primary.',
    fix: 'See `appliance-mail nodes`.',
  },
  AM_NODE_NAME_TAKEN: {
    what: 'Another joined secondary already has this `node.name`.',
    fix: 'Give this node another name, or remove the old one first.',
  },
  AM_ALREADY_JOINED: {
    what: 'This secondary is already joined to a primary.',
    fix: '`appliance-mail leave` first to join another.',
  },
  AM_NOT_JOINED: {
    what: 'The command needs this secondary to be joined.',
    fix: '`appliance-mail join` first.',
  },
  AM_MAIL_DISABLED: {
    what: 'The effective mail server settings are disabled, so no mail is accepted.',
    fix: 'Enable `mailServer.enabled` (on the primary, for a centralized secondary).',
  },
  AM_MESSAGE_INVALID: {
    what: 'A submitted message is not valid (address, header value, missing body); the field is named.',
    fix: 'Correct the message.',
  },
  AM_RECIPIENT_INVALID: {
    what: 'A message given to the SMTP submission port or to `sendmail` has no recipient, or one that is not a valid address; a bare local name (`root`) is refused while `notifications.recipients` is empty. SMTP reply 553; `sendmail` exits 67 (EX_NOUSER).',
    fix: 'Give full addresses (user@example.com), or set `notifications.recipients` for mail to local users.',
  },
  AM_MESSAGE_TOO_LARGE: {
    what: 'A submitted message is larger than `relay.maxMessageBytes`, or a request is larger than the control socket takes (that limit plus 1 MiB, set when the daemon started).',
    fix: 'Send less, or raise the limit (a raise past the value at start takes a restart).',
  },
  AM_BUSY: {
    what: 'Too many submissions are in progress on the control socket at once (a bounded number are read at a time, a bounded number wait); nothing was queued.',
    fix: 'Retry shortly; a submitter that sends in bulk should bound its own concurrency.',
  },
  AM_OUTBOX_UNAVAILABLE: {
    what: 'The outbox could not write the message durably (disk full, read-only); it was not accepted.',
    fix: 'Free space under `node.stateDir`; the submitter may retry.',
  },
  AM_DROP_FOLDER_UNAVAILABLE: {
    what: '`sendmail` could not reach the daemon and could not write the message into the drop folder (`submission.dropFolder`) either: it exits 75 and the caller keeps the message. Also logged when the daemon cannot create or read that folder.',
    fix: "Make the user a member of the submitters' group (`usermod -aG appliance-mail USER`), create the folder as the install steps say (mode 1730, owner and group appliance-mail), start the daemon.",
  },
  AM_DROP_FILE_BAD: {
    what: "A file in the drop folder could not be queued for good (not a drop file, or a message the intake refuses: no valid recipient, too large, a broken header). It was moved to the folder's `bad/` subfolder, never deleted; `status` warns.",
    fix: 'Read the file and the log line (it names the file and the reason); send the message again fixed, then delete the file.',
  },
  AM_OUTBOX_FULL: {
    what: 'The outbox holds `relay.maxOutboxBytes` already, the state filesystem has less than `relay.minFreeBytes` free, or the door the message came by (submission port, sendmail, digests) has filled its share of the room (`relay.shares`, see docs/explanation/outbox-room.md); the message names the figure and was not accepted. Nothing already accepted is dropped to make room.',
    fix: 'Bring the mail server back (the queue drains), drop dead letters (`outbox drop --all-dead`), free space under `node.stateDir`, or raise the limit; the submitter may retry.',
  },
  AM_STATE_LOST: {
    what: "The outbox's state folder (`node.stateDir`/outbox) or its journal file was removed or replaced under the running daemon; the queue is held in memory and no mail is accepted until a fresh journal is written there (tried every few seconds).",
    fix: 'Find what removed the folder (a /tmp cleaner, an `rm -rf`); make sure `node.stateDir` can be created again; do not restart the daemon until status no longer says the queue is in memory only.',
  },
  AM_CLIENT_LIMITED: {
    what: 'A client of the submission port went past one of its limits (`submission.limits`: connections, messages or bytes per minute, concurrent connections); the reply names the limit. Other clients are served.',
    fix: 'Slow the client down or raise the limit; the client keeps its mail and retries (4xx).',
  },
  AM_OUTBOX_CORRUPT: {
    what: 'The outbox holds a damaged record; intact records are kept. A stored message found damaged when it is sent becomes a dead letter with this reason.',
    fix: 'See the log line for the file and offset.',
  },
  AM_MESSAGE_UNKNOWN: {
    what: 'No message with that id is in the outbox.',
    fix: 'See `appliance-mail outbox`.',
  },
  AM_CONFIG_CHANGED: {
    what: 'Web Console: the config file changed since the form was loaded (another save, an editor, a configuration tool). Nothing was written.',
    fix: "The page shows the file's current values: check them and save again.",
  },
  AM_READ_ONLY: {
    what: 'Web Console: the Mail server (and the notification recipients) of a centralized secondary come from its primary; a save was refused.',
    fix: 'Change them on the primary, or switch this Appliance to local on the Federation page (`appliance-mail local`).',
  },
  AM_LOGIN_FAILED: {
    what: 'Web Console: unknown user name or wrong password (which of the two is not said).',
    fix: 'Check both; an administrator sets passwords with `appliance-mail console passwd NAME`.',
  },
  AM_LOGIN_RATE_LIMITED: {
    what: 'Web Console: too many login attempts from this address or for this user name; further attempts are refused for a while (HTTP 429, `Retry-After`).',
    fix: 'Wait the time shown.',
  },
  AM_LOGIN_BUSY: {
    what: 'Web Console: as many password checks as the daemon runs at once (2) are already running; this login was refused without checking it (HTTP 503, `Retry-After: 1`), so that a burst of logins cannot take the threads the outbox writes with. Not counted as a failed login.',
    fix: 'Log in again in a moment.',
  },
  AM_CONSOLE_USER_UNKNOWN: {
    what: '`console remove NAME`: there is no Web Console account of that name.',
    fix: 'See the names in `console-users.json` under `node.stateDir`.',
  },
  AM_CSRF: {
    what: 'Web Console: a state-changing request came without a valid CSRF token (a forged request from another site, or a form from an expired session). Nothing was done.',
    fix: 'Reload the page and try again.',
  },
  AM_OAUTH2_REFUSED: {
    what: 'mailServer.auth "oauth2": the token endpoint answered with an OAuth2 error (`invalid_client`, `invalid_grant`, `unauthorized_client`, an AADSTS code ...), quoted in the message. Mail stays queued and is retried.',
    fix: 'Fix what the provider names: the client secret (its value, not its id), the client id, the tenant in tokenUrl, the scope, or a new refresh token after a revoked consent (see docs/how-to/oauth2.md).',
  },
  AM_OAUTH2_UNREACHABLE: {
    what: 'mailServer.auth "oauth2": the token endpoint could not be asked (refused, timed out, TLS failed, HTTP 5xx). Mail stays queued and is retried.',
    fix: 'Check that tokenUrl is reachable from the Appliance (proxy, firewall, DNS) and that its certificate verifies (a private CA goes in mailServer.caFile).',
  },
  AM_INTERNAL: {
    what: 'An unexpected error.',
    fix: 'Report it with the log lines around it.',
  },
};
