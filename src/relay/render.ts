/**
 * A message is rendered once, when it is accepted: RFC 5322 headers and the MIME body, stored as
 * bytes and sent as they are. What belongs to the settings in force at send time (the From
 * header) is left out and put in front when the message leaves: a sender fixed while mail is
 * queued fixes the queued mail too, without building the MIME tree again.
 */
import { headerLine, rfc5322Date, textPart, unstructuredHeader } from './mime.js';

export const MESSAGE_ID_HEADER = 'X-Appliance-Mail-Id';

export interface RenderInput {
  id: string;
  to: readonly string[];
  subject: string;
  text: string | null;
  html: string | null;
  createdAt: number;
  /** The Message-ID's domain: this node's EHLO name (mailServer.heloName). */
  domain: string;
}

/**
 * The whole message but its From header, CRLF line ends, ready to be sent after a From line.
 * Synchronous: it runs on the path that acknowledges (see mime.ts for why not nodemailer's composer).
 */
export function renderMessage(input: RenderInput): Buffer {
  const head =
    `${MESSAGE_ID_HEADER}: ${input.id}\r\n` +
    // RFC 3834: machine mail; vacation responders and the like must not answer it.
    'Auto-Submitted: auto-generated\r\n' +
    headerLine('To', input.to.join(', ')) +
    unstructuredHeader('Subject', input.subject) +
    `Message-ID: ${messageIdFor(input.id, input.domain)}\r\n` +
    `Date: ${rfc5322Date(input.createdAt)}\r\n` +
    'MIME-Version: 1.0\r\n';
  const parts = [input.text !== null ? textPart('plain', input.text) : null, input.html !== null ? textPart('html', input.html) : null].filter((p) => p !== null);
  if (parts.length === 1) return Buffer.concat([Buffer.from(`${head}${parts[0]!.headers}\r\n`, 'utf8'), parts[0]!.body]);
  const boundary = boundaryFor(input);
  return Buffer.concat([
    Buffer.from(`${head}Content-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n`, 'utf8'),
    ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\n${p.headers}\r\n`, 'utf8'), p.body, Buffer.from('\r\n')]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

/** From the message's id (random); longer in the unlikely case a body holds it, as a boundary must not occur in the parts. */
function boundaryFor(input: RenderInput): string {
  let boundary = `=_am-${input.id}`;
  while ((input.text ?? '').includes(boundary) || (input.html ?? '').includes(boundary)) boundary += '_';
  return boundary;
}

/** The id is unique already; the domain (mailServer.heloName) names where it was made (the sender may change later). */
function messageIdFor(id: string, domain: string): string {
  return `<${id}@${domain}>`;
}

/** A message taken whole (raw-message.ts): its bytes, and whether it names its own Message-ID. */
export interface RawContent {
  bytes: Buffer;
  hasMessageId: boolean;
}

/** A whole message as stored: the outbox id and, when it had none, a Message-ID in front of its bytes. */
export function renderRawMessage(id: string, raw: RawContent, domain: string): Buffer {
  const lines = `${MESSAGE_ID_HEADER}: ${id}\r\n${raw.hasMessageId ? '' : `Message-ID: ${messageIdFor(id, domain)}\r\n`}`;
  return Buffer.concat([Buffer.from(lines, 'latin1'), raw.bytes]);
}

/** The From header line for the sender in force (an address checked by the config schema: no CR/LF). */
export function fromHeaderLine(sender: string): Buffer {
  return Buffer.from(`From: ${sender}\r\n`, 'utf8');
}
