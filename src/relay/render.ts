/**
 * A message is rendered once, when it is accepted: RFC 5322 headers and the MIME body, stored as
 * bytes and sent as they are. What belongs to the settings in force at send time (the From
 * header) is left out and put in front when the message leaves: a sender fixed while mail is
 * queued fixes the queued mail too, without building the MIME tree again.
 */
import { hostname } from 'node:os';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export const MESSAGE_ID_HEADER = 'X-Appliance-Mail-Id';

export interface RenderInput {
  id: string;
  to: readonly string[];
  subject: string;
  text: string | null;
  html: string | null;
  createdAt: number;
}

/** The whole message but its From header, CRLF line ends, ready to be sent after a From line. */
export async function renderMessage(input: RenderInput): Promise<Buffer> {
  return new MailComposer({
    to: [...input.to],
    subject: input.subject,
    ...(input.text !== null ? { text: input.text } : {}),
    ...(input.html !== null ? { html: input.html } : {}),
    date: new Date(input.createdAt),
    messageId: messageIdFor(input.id),
    headers: {
      [MESSAGE_ID_HEADER]: input.id,
      // RFC 3834: machine mail; vacation responders and the like must not answer it.
      'Auto-Submitted': 'auto-generated',
    },
  })
    .compile()
    .build();
}

/** The id is unique already; the host names where it was made (the sender may change later). */
function messageIdFor(id: string): string {
  return `<${id}@${hostname() || 'appliance-mail'}>`;
}

/** A message taken whole (raw-message.ts): its bytes, and whether it names its own Message-ID. */
export interface RawContent {
  bytes: Buffer;
  hasMessageId: boolean;
}

/** A whole message as stored: the outbox id and, when it had none, a Message-ID in front of its bytes. */
export function renderRawMessage(id: string, raw: RawContent): Buffer {
  const lines = `${MESSAGE_ID_HEADER}: ${id}\r\n${raw.hasMessageId ? '' : `Message-ID: ${messageIdFor(id)}\r\n`}`;
  return Buffer.concat([Buffer.from(lines, 'latin1'), raw.bytes]);
}

/** The From header line for the sender in force (an address checked by the config schema: no CR/LF). */
export function fromHeaderLine(sender: string): Buffer {
  return Buffer.from(`From: ${sender}\r\n`, 'utf8');
}
