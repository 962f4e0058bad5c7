/**
 * Whole RFC 5322 messages, as the SMTP submission port, the sendmail command and the drop folder
 * receive them, queued through the relay's intake: the same size limit and recipient checks apply
 * as to the control socket's Submit, and "accepted" still means "on disk".
 *
 * The message is carried whole (see relay/raw-message.ts for the little a relay changes); the
 * From header and the envelope sender follow mailServer.sender at send time, as for every
 * message. One copy goes to all its recipients: the headers are the sender's own, Bcc removed, so
 * nobody learns of a hidden recipient from them.
 *
 * Local names (as cron, smartd and mdadm address mail: `root`, `root@localhost`,
 * `root@<host name>`, `root@<node.name>`) go to the administrators: notifications.localRecipients
 * for that name when set, else notifications.recipients, as nullmailer's adminaddr.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { isEmailAddress } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { LOCAL_NAME } from '../config/schema.js';
import { AppError } from '../errors/registry.js';
import type { Intake } from '../relay/intake.js';
import { prepareRawMessage } from '../relay/raw-message.js';
import { ownEntry } from '../util/objects.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { Caller } from '../relay/outbox.js';

/** Enough to name the refused value in a reply without echoing a peer's whole input. */
const QUOTE_CHARS = 80;
/** The intake's limit for a subject (one RFC 5322 line). */
const MAX_LISTED_SUBJECT_CHARS = 998;

export interface RawSubmission {
  /** The message as received: headers, blank line, body. */
  raw: Uint8Array;
  /** Envelope recipients: SMTP RCPT TO, or sendmail's arguments. */
  recipients: readonly string[];
  /** sendmail -t: the addresses of the To, Cc and Bcc headers are recipients too. */
  recipientsFromHeaders: boolean;
  /** For the Received line: the client (`grafana ([127.0.0.1])`) and protocol (`ESMTP`; default `local`). */
  from?: string;
  protocol?: string;
  /** Names this submission for good (the drop folder: its file name); default: from its Message-ID. */
  idempotencyKey?: string;
}

export interface RawIntake {
  /** Throws AM_RECIPIENT_INVALID for an address that could never be delivered (SMTP RCPT TO answers at once). */
  checkRecipient(address: string): void;
  /** Queues the message for `caller` (its door and client); resolves with its outbox id (in a list, as the port's reply names it) once it is on disk. */
  submit(input: RawSubmission, caller: Caller): Promise<string[]>;
}

export function createRawIntake(deps: { config: LiveConfig; effective: EffectiveSettings; intake: Intake }): RawIntake {
  const { config, effective, intake } = deps;

  /** The addresses a recipient stands for: itself, or for a local name the administrators'. */
  function resolve(recipient: string): string[] {
    const name = localName(recipient);
    if (name === null) {
      if (isEmailAddress(recipient)) return [recipient];
      throw new AppError('AM_RECIPIENT_INVALID', `'${quote(recipient)}' is not a valid email address (user@example.com) or local name (root)`);
    }
    const mapped = ownEntry(config.current().notifications.localRecipients, name.toLowerCase());
    if (mapped !== undefined && mapped.length > 0) return [...mapped];
    const { recipients, source } = effective.current();
    if (recipients.length === 0) {
      throw new AppError(
        'AM_RECIPIENT_INVALID',
        `'${quote(recipient)}' is a local name, which goes to notifications.recipients (or notifications.localRecipients.${quote(name, 64)}), and that list is empty (settings from ${source})`,
      );
    }
    return [...recipients];
  }

  /** The local part when `recipient` names a user of this host (bare, @localhost, @host name, @node.name), else null. */
  function localName(recipient: string): string | null {
    if (LOCAL_NAME.test(recipient)) return recipient;
    const at = recipient.lastIndexOf('@');
    if (at <= 0) return null;
    const local = recipient.slice(0, at);
    const domain = recipient.slice(at + 1).toLowerCase();
    return LOCAL_NAME.test(local) && localDomains().has(domain) ? local : null;
  }

  function localDomains(): Set<string> {
    const host = hostname().toLowerCase();
    return new Set(['localhost', 'localhost.localdomain', host, host.split('.')[0]!, config.current().node.name.toLowerCase()].filter((d) => d !== ''));
  }

  return {
    checkRecipient(address) {
      resolve(address);
    },
    async submit(input, caller) {
      const { maxMessageBytes } = config.current().relay;
      if (input.raw.byteLength > maxMessageBytes) {
        throw new AppError('AM_MESSAGE_TOO_LARGE', `message refused: ${input.raw.byteLength} bytes, more than relay.maxMessageBytes (${maxMessageBytes})`);
      }
      const sender = effective.current().mailServer.sender;
      const prepared = prepareRawMessage(input.raw, {
        received: `${input.from === undefined ? '' : `from ${input.from} `}by ${config.current().node.name} (appliance-mail) with ${input.protocol ?? 'local'}`,
        sender,
        now: new Date(),
      });
      const named = [...input.recipients, ...(input.recipientsFromHeaders ? [...prepared.to, ...prepared.cc, ...prepared.bcc] : [])];
      const unique = dedupe(named.map((r) => r.trim()).filter((r) => r !== ''));
      if (unique.length === 0) {
        throw new AppError(
          'AM_RECIPIENT_INVALID',
          input.recipientsFromHeaders ? 'no recipients: the To, Cc and Bcc headers name nobody' : 'no recipients: give at least one address',
        );
      }
      const to = dedupe(unique.flatMap(resolve));
      const digest = createHash('sha256').update(input.raw).digest('hex');
      const { id } = await intake.submit({
        to,
        // Only what `outbox` lists: the message keeps its own, however long.
        subject: prepared.subject.trim() === '' ? '(no subject)' : prepared.subject.slice(0, MAX_LISTED_SUBJECT_CHARS),
        text: '',
        html: '',
        raw: { bytes: prepared.bytes, hasMessageId: prepared.messageId !== null },
        kind: 'appliance',
        idempotencyKey: input.idempotencyKey ?? idempotencyKey(prepared.messageId, to),
        idempotencyContent: digest,
      }, caller);
      return [id];
    },
  };
}

function dedupe(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(v.toLowerCase()) && seen.add(v.toLowerCase()));
}

/**
 * A client that lost the reply sends the same message again; its Message-ID says so. No
 * Message-ID: no key (two identical cron mails an hour apart are two mails).
 */
function idempotencyKey(messageId: string | null, to: readonly string[]): string {
  if (messageId === null) return '';
  return `message-id:${createHash('sha256').update(`${messageId}\0${to.join(',')}`).digest('hex')}`;
}

/** A peer's value, short and with control characters shown as '?', fit to quote in a reply or a log. */
export function quote(value: string, maxChars = QUOTE_CHARS): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}...` : clean;
}
