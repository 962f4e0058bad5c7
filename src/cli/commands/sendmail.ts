/**
 * `appliance-mail sendmail` (also run when the program is called as `sendmail`, through a link
 * such as /usr/sbin/sendmail): reads a message on stdin and queues it through the daemon's
 * submitters' socket. When the daemon cannot take it (stopped, starting, its socket refused), the
 * message goes into the drop folder, which the daemon empties when it runs (Postfix's maildrop):
 * cron does not retry, so a 75 would lose its mail. Exits with sendmail's codes (sysexits.h):
 * 75 (EX_TEMPFAIL) only when even the drop folder cannot be written.
 */
import { CONFIG_DEFAULTS } from '../../config/defaults.js';
import { AppError, toAppError, type ErrorCode } from '../../errors/registry.js';
import { cutAtDotLine, parseSendmailArgs, SENDMAIL_USAGE } from '../../submission/sendmail-args.js';
import type { Command } from '../command.js';
import { configPath } from '../command.js';
import { controlSocketPaths } from '../socket-path.js';
import { withControl } from '../with-control.js';
import { writeDropFile } from '../../submission/drop-folder.js';

/** sysexits.h */
export const EX = { OK: 0, USAGE: 64, DATAERR: 65, NOUSER: 67, SOFTWARE: 70, TEMPFAIL: 75, NOPERM: 77, CONFIG: 78 } as const;

/** Anything not listed is temporary (75): the caller keeps the message and tries again. */
const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  AM_USAGE: EX.USAGE,
  AM_MESSAGE_INVALID: EX.DATAERR,
  AM_MESSAGE_TOO_LARGE: EX.DATAERR,
  AM_RECIPIENT_INVALID: EX.NOUSER,
  AM_ADMIN_ONLY: EX.NOPERM,
  AM_CONFIG_INVALID: EX.CONFIG,
  AM_CONFIG_UNREADABLE: EX.CONFIG,
  AM_INTERNAL: EX.SOFTWARE,
};

/** The daemon cannot take the mail now (not running, starting, stopping, its journal broken): the drop folder will. */
const DAEMON_AWAY: ReadonlySet<ErrorCode> = new Set(['AM_DAEMON_UNREACHABLE', 'AM_CLOSED', 'AM_OUTBOX_UNAVAILABLE', 'AM_CONFIG_UNREADABLE']);

/** The control socket carries at most 64 MiB in one call; relay.maxMessageBytes is usually far lower. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024 - 64 * 1024;

export const sendmailCommand: Command = {
  name: 'sendmail',
  summary: 'queue a message read on stdin, as sendmail does (for cron, mailx, smartd, mdadm, scripts)',
  usage: `appliance-mail ${SENDMAIL_USAGE}`,
  help: [
    '  -t              recipients from the To, Cc and Bcc headers too (Bcc is never shown to the others)',
    '  -i, -oi         a line with a single dot does not end the message',
    '  -f ADDR, -F NAME  accepted; the mail is sent from mailServer.sender (see the README)',
    '  --config PATH   the daemon\'s config, to find its socket (default: $APPLIANCE_MAIL_CONFIG, else /etc/appliance-mail/config.json)',
    '  RCPT            addresses; a local name such as root goes to notifications.recipients',
    '  Accepted and without effect: -o..., -B..., -N..., -R..., -V..., -e..., -v, -bm, -U, -n, -m, -h N, -L TAG, -C FILE.',
    '  Also run as `sendmail` when installed as a link of that name (e.g. /usr/sbin/sendmail).',
    '  While the daemon cannot take the message (stopped, starting), it is left in the drop folder (submission.dropFolder) for the daemon.',
    '  Exit: 0 queued (on disk, or in the drop folder), 64 usage, 65 bad message or too large, 67 bad or no recipient, 75 try again later (mail disabled, disk full, the drop folder not writable).',
  ],
  options: {},
  rawArgs: true,
  async run(args, ctx) {
    try {
      const parsed = parseSendmailArgs(args.positionals);
      const message = cutAtDotLine(await readStdin(), parsed.ignoreDots);
      const options = { values: parsed.config === null ? {} : { config: parsed.config }, positionals: [] };
      try {
        await withControl(options, ctx, (control) => control.submitRaw({ message, recipients: parsed.recipients, recipients_from_headers: parsed.recipientsFromHeaders }));
      } catch (err) {
        if (!DAEMON_AWAY.has(toAppError(err).code)) throw err;
        await drop(configPath(options, ctx.env), ctx.env, message, parsed, toAppError(err));
      }
      return EX.OK;
    } catch (err) {
      const appError = toAppError(err);
      ctx.err(`sendmail: ${appError.message} [${appError.code}]`);
      return EXIT_CODES[appError.code] ?? EX.TEMPFAIL;
    }
  },
};

/** Leaves the message in the drop folder; when that fails too, one error names both reasons. */
async function drop(config: string, env: NodeJS.ProcessEnv, message: Buffer, parsed: { recipients: string[]; recipientsFromHeaders: boolean }, why: AppError): Promise<void> {
  let folder: string;
  try {
    folder = controlSocketPaths(config, env).dropFolder;
  } catch {
    // The config cannot be read at all: the folder's fixed default.
    folder = CONFIG_DEFAULTS.dropFolder;
  }
  try {
    await writeDropFile(folder, { recipients: parsed.recipients, recipientsFromHeaders: parsed.recipientsFromHeaders }, message);
  } catch (err) {
    throw new AppError('AM_DROP_FOLDER_UNAVAILABLE', `${why.message} [${why.code}], and ${(err as Error).message}: the message was not queued; try again later`, { cause: err });
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    bytes += (chunk as Buffer).byteLength;
    if (bytes > MAX_STDIN_BYTES) throw new AppError('AM_MESSAGE_TOO_LARGE', `message refused: more than ${MAX_STDIN_BYTES} bytes, what the control socket carries`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
