/**
 * The command line of sendmail as programs call it (cron, mailx, smartd, mdadm, logwatch, PHP).
 * Flags that tune a real MTA's queue, errors or logging are accepted and have no effect here:
 * the daemon queues every message durably and reports errors through the exit code. A flag that
 * asks for another mode (-bp, -bs, -bi, ...) is a usage error, so a caller never believes it ran.
 */
import { AppError } from '../errors/registry.js';

export interface SendmailArgs {
  /** -t: recipients from the To, Cc and Bcc headers too (added to those given, as Postfix does). */
  recipientsFromHeaders: boolean;
  /** -i / -oi: a line with a single dot does not end the message. */
  ignoreDots: boolean;
  /** -f / -r: the envelope sender asked for; mailServer.sender is used instead (see the README). */
  sender: string | null;
  /** -F: the sender's full name; ignored for the same reason. */
  fullName: string | null;
  /** --config PATH: the daemon's config, to find its socket (else $APPLIANCE_MAIL_CONFIG). */
  config: string | null;
  recipients: string[];
}

export const SENDMAIL_USAGE = 'sendmail [-t] [-i] [-f ADDR] [-F NAME] [--config PATH] [RCPT...] < message';

/** Flags with a value, attached (-Fname) or as the next word (-F name). */
const WITH_VALUE = new Set(['f', 'r', 'F', 'o', 'B', 'N', 'R', 'V', 'X', 'L', 'h', 'C', 'O', 'p']);
/** Flags without a value that change nothing here. */
const IGNORED = new Set(['v', 'U', 'G', 'n', 'm', 's', 'x', 'e', 'd', 'A']);

export function parseSendmailArgs(argv: readonly string[]): SendmailArgs {
  const args: SendmailArgs = { recipientsFromHeaders: false, ignoreDots: false, sender: null, fullName: null, config: null, recipients: [] };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      args.recipients.push(...argv.slice(i + 1));
      break;
    }
    if (word === '--config' || word.startsWith('--config=')) {
      const value = word === '--config' ? argv[++i] : word.slice('--config='.length);
      if (!value) throw usage('--config needs a path');
      args.config = value;
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      args.recipients.push(word);
      continue;
    }
    const flag = word[1] ?? '';
    if (WITH_VALUE.has(flag)) {
      const value = word.length > 2 ? word.slice(2) : argv[++i];
      if (value === undefined) throw usage(`-${flag} needs a value`);
      if (flag === 'f' || flag === 'r') args.sender = value;
      else if (flag === 'F') args.fullName = value;
      else if (flag === 'o' && value === 'i') args.ignoreDots = true;
      continue;
    }
    if (flag === 'b') {
      // -bm is "deliver mail", the default; every other mode (mailq, newaliases, SMTP on stdin, ...) is not offered.
      if (word !== '-bm') throw usage(`${word} is not offered: only sending a message (-bm, the default)`);
      continue;
    }
    if (flag === 't' || flag === 'i') {
      // Single letters may be grouped (-ti); each must be one of the known ones.
      for (const letter of word.slice(1)) {
        if (letter === 't') args.recipientsFromHeaders = true;
        else if (letter === 'i') args.ignoreDots = true;
        else if (!IGNORED.has(letter)) throw usage(`unknown option -${letter} in ${word}`);
      }
      continue;
    }
    if (IGNORED.has(flag)) continue;
    throw usage(`unknown option ${word}`);
  }
  args.recipients = args.recipients.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  if (args.recipients.length === 0 && !args.recipientsFromHeaders) throw usage('no recipients: give addresses, or -t to take them from the To, Cc and Bcc headers');
  return args;
}

/**
 * The message as sendmail reads it: without -i, a line holding a single dot ends it (the
 * traditional rule, which mailx and cron turn off with -i). Line ends become CRLF later, in the
 * outbox; here they are kept as given.
 */
export function cutAtDotLine(message: Buffer, ignoreDots: boolean): Buffer {
  if (ignoreDots) return message;
  const text = message.toString('latin1');
  const match = /(^|\n)\.\r?(\n|$)/.exec(text);
  return match ? message.subarray(0, match.index + match[1]!.length) : message;
}

function usage(reason: string): AppError {
  return new AppError('AM_USAGE', `${reason}. Usage: ${SENDMAIL_USAGE}`);
}
