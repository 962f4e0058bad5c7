/**
 * Whole RFC 5322 messages, as the SMTP submission port and the sendmail command receive them,
 * turned into submissions for the relay's intake: the same size limit, recipient checks and
 * header rules apply as to the control socket's Submit, and "accepted" still means "on disk".
 *
 * The outbox stores a message as subject, text and HTML, so a message is parsed (postal-mime,
 * from the nodemailer authors) and rebuilt. What that cannot carry is refused, never dropped
 * silently: attachments are refused; inline images (a logo in an HTML template) are left out.
 * The From header and the envelope sender follow mailServer.sender, as for every message.
 */
import { createHash } from 'node:crypto';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { isEmailAddress } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Intake } from '../relay/intake.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { Caller } from '../relay/outbox.js';

/** A name without a domain, as cron, smartd and mdadm address mail: `root`, `postmaster`. */
const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** Far above any real header block; bounds what a peer can make the parser hold. */
const MAX_HEADERS_BYTES = 256 * 1024;
/**
 * Each hidden recipient costs a stored copy of the whole message; beyond this many, a message is
 * a mailing list, and this daemon is not one.
 */
const MAX_HIDDEN_COPIES = 50;
/** Enough to name the refused value in a reply without echoing a peer's whole input. */
const QUOTE_CHARS = 80;

export interface RawSubmission {
  /** The message as received: headers, blank line, body. */
  raw: Uint8Array;
  /** Envelope recipients: SMTP RCPT TO, or sendmail's arguments. */
  recipients: readonly string[];
  /** sendmail -t: the addresses of the To, Cc and Bcc headers are recipients too. */
  recipientsFromHeaders: boolean;
}

export interface RawIntake {
  /** Throws AM_RECIPIENT_INVALID for an address that could never be delivered (SMTP RCPT TO answers at once). */
  checkRecipient(address: string): void;
  /** Queues the message; resolves with the outbox ids once every copy is on disk. */
  submit(input: RawSubmission, caller: Caller): Promise<string[]>;
}

export function createRawIntake(deps: { config: LiveConfig; effective: EffectiveSettings; intake: Intake }): RawIntake {
  const { config, effective, intake } = deps;

  /** Each recipient as the addresses it stands for: a local name stands for notifications.recipients. */
  function resolve(recipient: string): string[] {
    if (isEmailAddress(recipient)) return [recipient];
    if (LOCAL_NAME.test(recipient)) {
      const { recipients, source } = effective.current();
      if (recipients.length === 0) {
        throw new AppError(
          'AM_RECIPIENT_INVALID',
          `'${recipient}' is a local name, which goes to notifications.recipients, and that list is empty (settings from ${source})`,
        );
      }
      return [...recipients];
    }
    throw new AppError('AM_RECIPIENT_INVALID', `'${quote(recipient)}' is not a valid email address (user@example.com) or local name (root)`);
  }

  return {
    checkRecipient(address) {
      resolve(address);
    },
    async submit(input, caller) {
      const maxMessageBytes = config.current().relay.maxMessageBytes;
      if (input.raw.byteLength > maxMessageBytes) {
        throw new AppError('AM_MESSAGE_TOO_LARGE', `message refused: ${input.raw.byteLength} bytes, more than relay.maxMessageBytes (${maxMessageBytes})`);
      }
      const email = await parse(input.raw);
      const attached = email.attachments.filter((a) => !isInlineImage(a));
      if (attached.length > 0) {
        const names = attached.map((a) => quote(a.filename ?? a.mimeType)).join(', ');
        throw new AppError('AM_MESSAGE_INVALID', `message refused: attachments are not carried (${names}); send text or HTML only`);
      }
      const groups = recipientGroups(email, input, resolve);
      // Every copy is stored whole: what one message may take of the outbox is bounded by the
      // message limit, not by the limit times the hidden recipients.
      const storedBytes = input.raw.byteLength * groups.length;
      if (groups.length > 1 && storedBytes > maxMessageBytes) {
        throw new AppError(
          'AM_MESSAGE_TOO_LARGE',
          `message refused: ${groups.length} copies (one per hidden recipient) of ${input.raw.byteLength} bytes make ${storedBytes} bytes, more than relay.maxMessageBytes (${maxMessageBytes}); name the recipients in To or Cc, or send a smaller message`,
        );
      }
      const subject = (email.subject ?? '').trim() === '' ? '(no subject)' : (email.subject ?? '');
      let text = email.text ?? '';
      const html = email.html ?? '';
      // A message may have an empty body; the intake wants something to send.
      if (text === '' && html === '') text = '\n';
      const ids: string[] = [];
      for (const to of groups) {
        const { id } = await intake.submit({ to, subject, text, html, kind: 'appliance', idempotencyKey: idempotencyKey(email.messageId, to) }, caller);
        ids.push(id);
      }
      return ids;
    },
  };
}

async function parse(raw: Uint8Array): Promise<Email> {
  try {
    return await PostalMime.parse(raw, { maxHeadersSize: MAX_HEADERS_BYTES, attachmentEncoding: 'arraybuffer' });
  } catch (err) {
    throw new AppError('AM_MESSAGE_INVALID', `message refused: not a readable RFC 5322 message (${quote((err as Error).message)})`, { cause: err });
  }
}

function isInlineImage(attachment: Email['attachments'][number]): boolean {
  return attachment.mimeType.startsWith('image/') && (attachment.related === true || attachment.contentId !== undefined || attachment.disposition === 'inline');
}

/**
 * Who gets which copy. The outbox writes its recipients into the To header, so the recipients the
 * message shows (To, Cc) share one copy, and each hidden one (Bcc, or only in the envelope) gets
 * a copy of their own: nobody learns of a hidden recipient. An address is sent one copy only.
 */
function recipientGroups(email: Email, input: RawSubmission, resolve: (recipient: string) => string[]): string[][] {
  const shown = [...flatten(email.to), ...flatten(email.cc)];
  const envelope = [...input.recipients, ...(input.recipientsFromHeaders ? [...shown, ...flatten(email.bcc)] : [])];
  const unique = dedupe(envelope.map((r) => r.trim()).filter((r) => r !== ''));
  if (unique.length === 0) {
    throw new AppError(
      'AM_RECIPIENT_INVALID',
      input.recipientsFromHeaders ? 'no recipients: the To, Cc and Bcc headers name nobody' : 'no recipients: give at least one address',
    );
  }
  const shownKeys = new Set(shown.map((r) => r.toLowerCase()));
  const hiddenCount = unique.filter((r) => !shownKeys.has(r.toLowerCase())).length;
  if (hiddenCount > MAX_HIDDEN_COPIES) {
    throw new AppError(
      'AM_RECIPIENT_INVALID',
      `${hiddenCount} recipients not named in To or Cc (each gets a copy of its own), at most ${MAX_HIDDEN_COPIES}: name them in To or Cc, or send several messages`,
    );
  }
  const visible: string[] = [];
  const hidden: string[][] = [];
  for (const recipient of unique) {
    const addresses = resolve(recipient);
    if (shownKeys.has(recipient.toLowerCase())) visible.push(...addresses);
    else hidden.push(addresses);
  }
  const sent = new Set<string>();
  const take = (addresses: string[]) => dedupe(addresses).filter((a) => !sent.has(a.toLowerCase()) && sent.add(a.toLowerCase()));
  return [take(visible), ...hidden.map(take)].filter((group) => group.length > 0);
}

/** Addresses of a header, groups flattened; a bare local name (`To: root`) parses as a name without address. */
function flatten(addresses: readonly Address[] | undefined): string[] {
  return (addresses ?? []).flatMap((a) => (a.group ? a.group : [a])).map((m) => (m.address !== '' ? m.address : m.name));
}

function dedupe(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(v.toLowerCase()) && seen.add(v.toLowerCase()));
}

/**
 * A client that lost the reply sends the same message again; its Message-ID says so. Keyed per
 * copy, so one message's copies never collide. No Message-ID: no key (two identical cron mails
 * an hour apart are two mails).
 */
function idempotencyKey(messageId: string | undefined, to: readonly string[]): string {
  if (messageId === undefined || messageId.trim() === '') return '';
  return `message-id:${createHash('sha256').update(`${messageId.trim()}\0${to.join(',')}`).digest('hex')}`;
}

/** A peer's value, short and with control characters shown as '?', fit to quote in a reply or a log. */
export function quote(value: string, maxChars = QUOTE_CHARS): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}...` : clean;
}
