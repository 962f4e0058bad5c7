/**
 * A message with 8-bit bytes, made 7-bit for a mail server that does not offer 8BITMIME (RFC
 * 6152), as Postfix's SMTP client converts 8-bit MIME to 7-bit for such a server rather than
 * send bytes the server may mangle or refuse. Only the host's own mail (sendmail, the submission
 * port, the drop folder) can be 8-bit: it is stored as it came; appliance-mail's own messages are
 * 7-bit already. What changes:
 * - a leaf part whose body holds 8-bit bytes (declared 7bit, 8bit or binary, or undeclared):
 *   text/* becomes quoted-printable, anything else base64, decoding to the very same bytes;
 * - multipart and message/rfc822 parts are walked into, and their `8bit`/`binary` becomes `7bit`;
 * - unstructured header fields (Subject, Comments, Keywords, Content-Description, X-*) holding
 *   8-bit bytes become RFC 2047 encoded words (read as UTF-8); address and other structured
 *   fields are sent as they came, as Postfix does (encoding them is not generally possible);
 * - a message without MIME-Version gets one when its body was encoded, and a text body without a
 *   Content-Type is declared text/plain with its charset (utf-8 when it is valid UTF-8).
 * Everything else, and a message that is 7-bit already, is left byte for byte.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { quotedPrintable, unstructuredHeader } from './mime.js';

/** Deeper nesting than any real message; beyond it parts are left as they are. */
const MAX_DEPTH = 20;
const UNSTRUCTURED = /^(subject|comments|keywords|content-description|x-[!-9;-~]+)$/i;
const HIGH = /[\x80-\xff]/;

/** True when the message holds a byte above 127: it needs 8BITMIME, or downgradeTo7Bit. */
export function needs8BitMime(message: Uint8Array): boolean {
  return !isAscii(message);
}

/** The message (CRLF line ends, as stored) with every 8-bit body re-encoded; see the top of this file. */
export function downgradeTo7Bit(message: Uint8Array): Buffer {
  const text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('latin1');
  return Buffer.from(entity(text, 0), 'latin1');
}

/** One MIME entity (the message, or a part): header fields, blank line, body; as latin1 text, a byte per character. */
function entity(text: string, depth: number): string {
  const bare = text.startsWith('\r\n');
  const split = bare ? 0 : text.indexOf('\r\n\r\n');
  const headerText = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + (bare ? 2 : 4));
  const fields = headerText === '' ? [] : unfold(headerText);
  const value = (name: string) => {
    const field = fields.find((f) => fieldName(f).toLowerCase() === name);
    return field === undefined ? null : field.slice(field.indexOf(':') + 1).replace(/\r\n/g, '').trim();
  };
  const contentType = value('content-type');
  const type = /^([^\s;/]+\/[^\s;]+)/.exec(contentType ?? '')?.[1]?.toLowerCase() ?? 'text/plain';
  const encoding = (value('content-transfer-encoding') ?? '7bit').toLowerCase();
  const unencoded = ['7bit', '8bit', 'binary'].includes(encoding);
  let out = body;
  let newEncoding: string | null = null;
  if (type.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
    if (boundary !== null) out = multipart(body, boundary[1] ?? boundary[2]!, depth);
    if (unencoded && encoding !== '7bit') newEncoding = '7bit';
  } else if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    out = entity(body, depth + 1);
    if (unencoded && encoding !== '7bit') newEncoding = '7bit';
  } else if (unencoded && HIGH.test(body)) {
    const bytes = Buffer.from(body, 'latin1');
    if (type.startsWith('text/')) {
      newEncoding = 'quoted-printable';
      out = quotedPrintable(bytes).toString('latin1');
    } else {
      newEncoding = 'base64';
      out = `${bytes.toString('base64').replace(/.{76}(?=.)/g, '$&\r\n')}\r\n`;
    }
    if (contentType === null) fields.push(`Content-Type: text/plain; charset=${isUtf8(bytes) ? 'utf-8' : 'unknown-8bit'}`);
  }
  let head = fields.map(header7Bit);
  if (newEncoding !== null) {
    head = head.filter((f) => fieldName(f).toLowerCase() !== 'content-transfer-encoding');
    head.push(`Content-Transfer-Encoding: ${newEncoding}`);
    if (depth === 0 && value('mime-version') === null) head.push('MIME-Version: 1.0');
  }
  if (split < 0) return head.join('\r\n');
  return `${head.join('\r\n')}${head.length > 0 ? '\r\n' : ''}\r\n${out}`;
}

/** A multipart body: each part made 7-bit; the preamble and epilogue (which no reader shows) lose their 8-bit bytes. */
function multipart(body: string, boundary: string, depth: number): string {
  const delimiter = new RegExp(`(?:^|\\r\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*(?=\\r\\n|$)`, 'g');
  const outside = (s: string) => s.replace(/[\x80-\xff]/g, '?');
  let out = '';
  let cursor = 0;
  let inPart = false;
  for (const match of body.matchAll(delimiter)) {
    const segment = body.slice(cursor, match.index);
    out += inPart ? entity(segment, depth + 1) : outside(segment);
    out += match[0];
    cursor = match.index + match[0].length;
    if (match[1] !== undefined) return out + outside(body.slice(cursor));
    // The CRLF ending a delimiter line is the delimiter's, not the part's.
    if (body.startsWith('\r\n', cursor)) {
      out += '\r\n';
      cursor += 2;
    }
    inPart = true;
  }
  const rest = body.slice(cursor);
  return out + (inPart ? entity(rest, depth + 1) : outside(rest));
}

/** Header lines as fields, each with its continuation lines (CRLF kept inside). */
function unfold(header: string): string[] {
  const fields: string[] = [];
  for (const line of header.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  return fields;
}

function fieldName(field: string): string {
  const colon = field.indexOf(':');
  return (colon < 0 ? field : field.slice(0, colon)).trim();
}

/** An unstructured field with 8-bit bytes as encoded words (its bytes read as UTF-8); any other field as it came. */
function header7Bit(field: string): string {
  const name = fieldName(field);
  if (!HIGH.test(field) || !UNSTRUCTURED.test(name)) return field;
  const text = Buffer.from(field.slice(field.indexOf(':') + 1).replace(/\r\n/g, '').trim(), 'latin1').toString('utf8');
  return unstructuredHeader(name, text).replace(/\r\n$/, '');
}
