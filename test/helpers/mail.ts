/** Reading raw RFC 5322 messages in tests: headers, and bodies decoded from quoted-printable. */

export function splitMessage(raw: string): { headers: string; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  return { headers: raw.slice(0, at), body: raw.slice(at) };
}

export function headerValue(raw: string, name: string): string | undefined {
  const { headers } = splitMessage(raw);
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'mi').exec(unfolded)?.[1]?.trim();
}

/** The decoded text of each MIME part of a given content type. */
export function partText(raw: string, contentType: 'text/plain' | 'text/html'): string {
  const parts = raw.split(/\r?\n--[^\r\n]+/);
  const part = parts.find((p) => new RegExp(`Content-Type: ${contentType}`, 'i').test(p));
  if (!part) return '';
  const { headers, body } = splitMessage(part.replace(/^\r?\n/, ''));
  if (/Content-Transfer-Encoding: base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return body;
}
