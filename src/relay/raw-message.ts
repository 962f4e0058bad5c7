/**
 * A whole RFC 5322 message, as sendmail, the submission port or the drop folder hand it over,
 * made ready to be stored: its bytes are kept as they came (MIME structure, attachments, inline
 * images, the sender's own headers), and only what a relay adds or must take away is changed,
 * as Postfix's cleanup does:
 * - added: a `Received:` line, `Date` and `Auto-Submitted` when absent (the Message-ID, when
 *   absent, once the outbox id is known: see render.ts);
 * - taken away: `Bcc` (recipients never see it), `Return-Path` (the final server sets it),
 *   `X-Appliance-Mail-Id` (only the outbox names its ids) and `From`, which goes in front at send
 *   time for the sender in force; the original From is kept as `Reply-To` when it had none, so
 *   that answers still reach its author;
 * - line ends become CRLF, as SMTP carries them.
 * The header block is checked first and the message refused whole when it is broken: NUL bytes,
 * a bare CR, a line longer than RFC 5322's 998 characters, an encoded word that decodes to a line
 * break (a header injected through it). A line that is no field ends the header, as in Postfix.
 */
import { addressParser, decodeWords } from 'postal-mime';
import { AppError } from '../errors/registry.js';
import { rfc5322Date } from './mime.js';

/** RFC 5322 2.1.1: a line is at most 998 characters, CRLF excluded. */
const MAX_LINE_CHARS = 998;
/** Far above any real header block; bounds what a peer can make the parser hold. */
const MAX_HEADER_BYTES = 256 * 1024;
/** Fields removed from what is stored (lower case). */
const REMOVED = new Set(['bcc', 'resent-bcc', 'return-path', 'x-appliance-mail-id', 'from']);
const FIELD = /^([!-9;-~]+)[ \t]*:/;

export interface HeaderField {
  /** As written, e.g. `Reply-To`. */
  name: string;
  /** The whole field as bytes (latin1), continuation lines joined with CRLF, without the last CRLF. */
  raw: string;
  /** The value decoded: unfolded, encoded words decoded, UTF-8 read. */
  value: string;
}

export interface PreparedMessage {
  /** What the outbox stores, before its id lines (render.ts): headers, blank line, body, CRLF line ends. */
  bytes: Buffer;
  /** The decoded Subject, '' when absent. */
  subject: string;
  /** The Message-ID header as given, null when absent. */
  messageId: string | null;
  /** The addresses (or bare local names) of the To, Cc and Bcc headers, for sendmail -t. */
  to: string[];
  cc: string[];
  bcc: string[];
}

export interface PrepareOptions {
  /** The `Received:` field's value, without the date, e.g. `from grafana ([127.0.0.1]) by vm (appliance-mail) with ESMTP`. */
  received: string;
  /** The sender in force: a From of that very address is no rewrite and needs no Reply-To. */
  sender: string | null;
  now: Date;
}

export function prepareRawMessage(raw: Uint8Array, options: PrepareOptions): PreparedMessage {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const nul = bytes.indexOf(0);
  if (nul >= 0) refuse(`byte ${nul + 1} is a NUL character, which mail cannot carry`);
  // latin1 keeps every byte as one character: the body goes back out byte for byte.
  const text = bytes.toString('latin1');
  const { fields, body } = splitHeader(text);
  const kept: HeaderField[] = [];
  let replyTo = false;
  let date = false;
  let autoSubmitted = false;
  let from: HeaderField | null = null;
  for (const field of fields) {
    const lower = field.name.toLowerCase();
    if (lower === 'reply-to') replyTo = true;
    if (lower === 'date') date = true;
    if (lower === 'auto-submitted') autoSubmitted = true;
    if (lower === 'from') from ??= field;
    if (!REMOVED.has(lower)) kept.push(field);
  }
  const added: string[] = [];
  if (!replyTo && from !== null) {
    const addresses = addressesOf([from]);
    const sender = options.sender?.toLowerCase();
    if (addresses.some((a) => a.includes('@')) && !addresses.every((a) => a.toLowerCase() === sender)) {
      added.push(`Reply-To:${from.raw.slice(from.raw.indexOf(':') + 1)}`);
    }
  }
  if (!date) added.push(`Date: ${rfc5322Date(options.now.getTime())}`);
  // RFC 3834: machine mail; vacation responders and the like must not answer it.
  if (!autoSubmitted) added.push('Auto-Submitted: auto-generated');
  const head = [`Received: ${options.received}; ${rfc5322Date(options.now.getTime())}`, ...kept.map((f) => f.raw), ...added].join('\r\n');
  const stored = Buffer.from(`${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`, 'latin1');
  const pick = (name: string) => fields.filter((f) => f.name.toLowerCase() === name);
  const messageId = pick('message-id')[0]?.value.trim() ?? '';
  return {
    bytes: stored,
    subject: pick('subject')[0]?.value ?? '',
    messageId: messageId === '' ? null : messageId,
    to: addressesOf(pick('to')),
    cc: addressesOf(pick('cc')),
    bcc: addressesOf(pick('bcc')),
  };
}

/**
 * The header fields and the body (as latin1 text). The header ends at a blank line or at the
 * first line that is no field (`echo hello | sendmail root` is all body), as Postfix reads it; a
 * leading mbox `From ` line is dropped.
 */
function splitHeader(text: string): { fields: HeaderField[]; body: string } {
  let start = 0;
  if (text.startsWith('From ')) start = lineEnd(text, 0).next;
  if (!FIELD.test(text.slice(start, start + MAX_LINE_CHARS + 2))) return { fields: [], body: text.slice(start) };
  const fields: HeaderField[] = [];
  let at = start;
  let lineNo = 0;
  let body = '';
  while (at < text.length) {
    const { end, next } = lineEnd(text, at);
    const line = text.slice(at, end);
    lineNo++;
    if (line === '') {
      body = text.slice(next);
      break;
    }
    if (next > MAX_HEADER_BYTES) refuse(`the header is longer than ${MAX_HEADER_BYTES} bytes`);
    if (line.length > MAX_LINE_CHARS) refuse(`header line ${lineNo} is longer than ${MAX_LINE_CHARS} characters`);
    if (line.includes('\r')) refuse(`header line ${lineNo} holds a bare CR (a line break without LF)`);
    const last = fields[fields.length - 1];
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!last) refuse(`header line ${lineNo} continues a field, but none came before it`);
      last.raw += `\r\n${line}`;
    } else {
      const match = FIELD.exec(line);
      if (!match) {
        // No blank line before the text (a script's output after its Subject): the body starts here, as Postfix reads it.
        body = text.slice(at);
        break;
      }
      fields.push({ name: match[1]!, raw: line, value: '' });
    }
    at = next;
  }
  for (const field of fields) field.value = decodeValue(field);
  return { fields, body };
}

function lineEnd(text: string, from: number): { end: number; next: number } {
  const lf = text.indexOf('\n', from);
  if (lf < 0) return { end: text.length, next: text.length };
  return { end: lf > from && text[lf - 1] === '\r' ? lf - 1 : lf, next: lf + 1 };
}

function decodeValue(field: HeaderField): string {
  const unfolded = field.raw.slice(field.raw.indexOf(':') + 1).replace(/\r\n/g, '').trim();
  const decoded = decodeWords(Buffer.from(unfolded, 'latin1').toString('utf8'));
  if (/[\r\n]/.test(decoded)) refuse(`the ${field.name} header decodes to a CR or LF (it would start a new header)`);
  return decoded;
}

/** Addresses of address fields, groups flattened; a bare local name (`To: root`) parses as a name without address. */
function addressesOf(fields: readonly HeaderField[]): string[] {
  return fields
    .map((f) => f.value)
    .flatMap((v) => addressParser(v))
    .flatMap((a) => ('group' in a && a.group ? a.group : [a]))
    .map((m) => (m.address !== '' ? m.address : m.name).trim())
    .filter((a) => a !== '');
}

function refuse(reason: string): never {
  throw new AppError('AM_MESSAGE_INVALID', `message refused: ${reason}`);
}
