/**
 * `appliance-mail sendmail` (also run when the program is called as `sendmail`, through a link
 * such as /usr/sbin/sendmail): reads a message on stdin and queues it through the daemon's
 * submitters' socket. Exits with sendmail's codes (sysexits.h), so that cron, mailx and smartd
 * know whether to retry: 75 (EX_TEMPFAIL) while the daemon cannot take the mail.
 */
import { AppError, toAppError, type ErrorCode } from '../../errors/registry.js';
import { cutAtDotLine, parseSendmailArgs, SENDMAIL_USAGE } from '../../submission/sendmail-args.js';
import type { Command } from '../command.js';
import { withControl } from '../with-control.js';

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
    '  Exit: 0 queued (on disk), 64 usage, 65 bad message or too large, 67 bad or no recipient, 75 try again later (daemon not running, mail disabled, disk full).',
  ],
  options: {},
  rawArgs: true,
  async run(args, ctx) {
    try {
      const parsed = parseSendmailArgs(args.positionals);
      const message = cutAtDotLine(await readStdin(), parsed.ignoreDots);
      const values = parsed.config === null ? {} : { config: parsed.config };
      await withControl({ values, positionals: [] }, ctx, (control) =>
        control.submitRaw({ message, recipients: parsed.recipients, recipients_from_headers: parsed.recipientsFromHeaders }),
      );
      return EX.OK;
    } catch (err) {
      const appError = toAppError(err);
      ctx.err(`sendmail: ${appError.message} [${appError.code}]`);
      return EXIT_CODES[appError.code] ?? EX.TEMPFAIL;
    }
  },
};

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
