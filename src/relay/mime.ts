/**
 * The few MIME encodings a notification needs (RFC 2045 quoted-printable, RFC 2047 encoded words,
 * RFC 5322 folding), done synchronously on strings. nodemailer's composer did this through a
 * stream pipeline per message, and at 1,000 submissions a second its streams, abort signals and
 * their garbage were a fifth of the daemon's CPU on the path that acknowledges (docs/PROFILE-intake.md).
 * The output is checked against an independent parser (Python's email package) in
 * test/unit/render.test.ts.
 */

const CRLF = '\r\n';
/** RFC 5322's "SHOULD": header lines and quoted-printable lines are kept to this. */
const LINE_CHARS = 78;
/** RFC 5322's "MUST" for a line of a 7bit body. */
const MAX_7BIT_LINE_BYTES = 998;
/** Bytes per RFC 2047 word: 52 base64 characters, the word 64, a folded line under 78. */
const WORD_BYTES = 39;

/** Every line break (CRLF, a lone LF or a lone CR) as CRLF: the body of a message on the wire. */
function toCrlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, CRLF);
}

/**
 * A header value that needs no encoding: printable ASCII and spaces, nothing an RFC 2047 reader
 * could mistake for a word, and no white space at either end (readers drop it there; encoded, it is kept).
 */
function isPlainHeaderText(value: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(value) && !value.includes('=?') && value === value.trim();
}

/**
 * A header line, folded at spaces to stay within 78 characters where it can (a word longer than
 * that stays whole: the limit that must hold is 998, which the callers' input limits keep).
 */
export function headerLine(name: string, value: string): string {
  let line = `${name}:`;
  let hasWord = false;
  let out = '';
  for (const word of value.split(' ')) {
    if (hasWord && line.length + 1 + word.length > LINE_CHARS) {
      out += line + CRLF;
      line = '';
      hasWord = false;
    }
    line += ` ${word}`;
    // A continuation line must carry more than white space.
    hasWord ||= word !== '';
  }
  return out + line + CRLF;
}

/** An unstructured header (Subject): as it is when plain ASCII, else RFC 2047 base64 words of whole characters. */
export function unstructuredHeader(name: string, value: string): string {
  if (isPlainHeaderText(value)) return headerLine(name, value);
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  for (const char of value) {
    const bytes = Buffer.byteLength(char);
    if (chunkBytes + bytes > WORD_BYTES) {
      words.push(chunk);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += char;
    chunkBytes += bytes;
  }
  if (chunk !== '') words.push(chunk);
  const encoded = words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`);
  return `${name}: ${encoded.join(`${CRLF} `)}${CRLF}`;
}

/** Whether CRLF-ended bytes can go as they are ("7bit"): ASCII only, and no line longer than 998 bytes. */
function is7bit(bytes: Buffer): boolean {
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return false;
    if (byte === 10) lineStart = i + 1;
    else if (i - lineStart >= MAX_7BIT_LINE_BYTES) return false;
  }
  return true;
}

const HEX = Buffer.from('0123456789ABCDEF');
const EQUALS = 61;
const CR = 13;
const LF = 10;
/** Bytes that stand for themselves in quoted-printable: printable ASCII but "=", and (not at a line's end) space and tab. */
const LITERAL = Uint8Array.from({ length: 256 }, (_, b) => Number((b >= 33 && b <= 126 && b !== EQUALS) || b === 32 || b === 9));

/**
 * RFC 2045 quoted-printable of CRLF-ended bytes: CRLF kept as hard breaks, lines soft-broken at
 * 76 characters. Written into one buffer: a body of megabytes on one line is a single pass.
 */
export function quotedPrintable(bytes: Buffer): Buffer {
  // At most 3 bytes out per byte in, and a 3-byte soft break per 73 of those.
  const out = Buffer.allocUnsafe(bytes.length * 3 + Math.ceil((bytes.length * 3) / 73) * 3 + 3);
  let o = 0;
  let column = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const byte = bytes[i]!;
    if (byte === CR && bytes[i + 1] === LF) {
      out[o++] = CR;
      out[o++] = LF;
      i++;
      column = 0;
      continue;
    }
    // White space at a line's end would be lost in transit (RFC 2045 rule 3): encoded there.
    const literal = LITERAL[byte] === 1 && !((byte === 32 || byte === 9) && (i + 1 === n || bytes[i + 1] === CR));
    const width = literal ? 1 : 3;
    // 75 characters and the soft break's "=" make 76, RFC 2045's limit.
    if (column + width > 75) {
      out[o++] = EQUALS;
      out[o++] = CR;
      out[o++] = LF;
      column = 0;
    }
    if (literal) {
      out[o++] = byte;
    } else {
      out[o++] = EQUALS;
      out[o++] = HEX[byte >> 4]!;
      out[o++] = HEX[byte & 15]!;
    }
    column += width;
  }
  return out.subarray(0, o);
}

/** A text part's headers and body (CRLF line ends): 7bit when it can be, else quoted-printable. */
export function textPart(subtype: 'plain' | 'html', text: string): { headers: string; body: Buffer } {
  const bytes = Buffer.from(toCrlf(text), 'utf8');
  const plain = is7bit(bytes);
  return {
    headers: `Content-Type: text/${subtype}; charset=utf-8${CRLF}Content-Transfer-Encoding: ${plain ? '7bit' : 'quoted-printable'}${CRLF}`,
    body: plain ? bytes : quotedPrintable(bytes),
  };
}

/** RFC 5322's date-time in UTC, as nodemailer wrote it ("Thu, 01 Jan 1970 00:00:00 +0000"). */
export function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
