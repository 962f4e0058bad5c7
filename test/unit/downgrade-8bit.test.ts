/**
 * 8-bit to 7-bit for a server without 8BITMIME: the result is ASCII and a MIME reader (postal-mime)
 * reads from it what it reads from the original, part for part; 7-bit messages and parts are left
 * byte for byte.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { downgradeTo7Bit, needs8BitMime } from '../../src/relay/downgrade-8bit.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');
const sha256 = (data: ArrayBuffer | string) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest('hex');

/** What a reader sees: subject, text, html, and each attachment's type and hash. */
async function read(message: Buffer) {
  const email = await PostalMime.parse(message, { attachmentEncoding: 'arraybuffer' });
  return {
    subject: email.subject,
    text: email.text?.replace(/\r\n/g, '\n'),
    html: email.html?.replace(/\r\n/g, '\n'),
    attachments: email.attachments.map((a) => ({ type: a.mimeType, name: a.filename, hash: sha256(a.content as ArrayBuffer) })),
  };
}

describe('downgradeTo7Bit', () => {
  it('leaves a 7-bit message byte for byte', () => {
    const message = crlf(['Subject: plain', 'Content-Type: text/plain', '', 'hello', '.', '']);
    expect(needs8BitMime(message)).toBe(false);
    expect(downgradeTo7Bit(message).equals(message)).toBe(true);
  });

  it('a cron mail without MIME headers: the body quoted-printable with MIME-Version and a charset, the Subject in encoded words', async () => {
    const message = crlf(['From: root', 'Subject: Cron <root@vm> /usr/local/bin/sauvegarde-été', '', 'Grüße aus dem Keller: 3 Dateien übersprungen', '.', 'fertig', '']);
    expect(needs8BitMime(message)).toBe(true);
    const seven = downgradeTo7Bit(message);
    expect(needs8BitMime(seven)).toBe(false);
    const text = seven.toString('latin1');
    expect(text).toMatch(/^Subject: =\?UTF-8\?B\?[^?]+\?=/m);
    expect(text).toMatch(/^Content-Transfer-Encoding: quoted-printable$/m);
    expect(text).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(text).toMatch(/^MIME-Version: 1\.0$/m);
    expect(await read(seven)).toEqual({ ...(await read(message)), subject: 'Cron <root@vm> /usr/local/bin/sauvegarde-été' });
    expect((await read(seven)).text).toBe('Grüße aus dem Keller: 3 Dateien übersprungen\n.\nfertig\n');
  });

  it('a multipart report: 8-bit text, html, an 8bit application part and a message/rfc822 inside are re-encoded; a base64 part is kept as it was', async () => {
    // Bytes that are no UTF-8, in an 8bit part, where the text around them is UTF-8.
    const binaryish = Buffer.from([0xc3, 0xa9, 0x41, 0xff, 0xfe, 0x80, 0x20, 0x7f]);
    const base64Part = Buffer.from('already encoded attachment').toString('base64');
    const lines =
      [
        'From: Backup <backup@db-1.example.com>',
        'Subject: Sicherung fertig',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Préambule ignorée',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Sicherung: 3 Dateien übersprungen — ok',
        '--inner',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        '<p>Sicherung: 3 Dateien übersprungen — ok</p>',
        '--inner--',
        '',
        '--outer',
        'Content-Type: application/octet-stream; name="raw.bin"',
        'Content-Disposition: attachment; filename="raw.bin"',
        'Content-Transfer-Encoding: 8bit',
        '',
        'line one BINARY',
        'line two BINARY',
        '--outer',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="bounce.eml"',
        '',
        'Subject: Weitergeleitet: Prüfung',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Innere Nachricht mit Umlauten: äöü',
        '--outer',
        'Content-Type: text/plain; name="kept.txt"',
        'Content-Disposition: attachment; filename="kept.txt"',
        'Content-Transfer-Encoding: base64',
        '',
        base64Part,
        '--outer--',
        'Epilog ß',
        '',
      ].join('\r\n');
    const pieces = lines.split('BINARY');
    const utf8 = Buffer.concat(pieces.flatMap((piece, i) => (i < pieces.length - 1 ? [Buffer.from(piece), binaryish] : [Buffer.from(piece)])));
    const seven = downgradeTo7Bit(utf8);
    expect(needs8BitMime(seven)).toBe(false);
    const text = seven.toString('latin1');
    expect(text).toContain(`Content-Transfer-Encoding: base64\r\n\r\n${base64Part}\r\n--outer--`);
    expect(text).toMatch(/^Content-Type: multipart\/mixed; boundary="outer"\r\nContent-Transfer-Encoding: 7bit$/m);
    expect(text).toMatch(/^From: Backup <backup@db-1\.example\.com>$/m);
    const before = await read(utf8);
    const after = await read(seven);
    // All reads the same but the attached message, re-encoded inside, and raw.bin, which postal-mime
    // reads from an 8bit part line by line (LF line ends, one more at the end): both checked below.
    const others = (r: typeof before) => ({ ...r, attachments: r.attachments.filter((a) => a.name === 'kept.txt') });
    expect(others(after)).toEqual(others(before));
    expect(after.text).toContain('3 Dateien übersprungen — ok');
    expect(after.attachments.map((a) => a.name)).toEqual(['raw.bin', 'bounce.eml', 'kept.txt']);
    const raw = Buffer.concat([Buffer.from('line one '), binaryish, Buffer.from('\r\nline two '), binaryish]);
    expect(after.attachments[0]!.hash).toBe(sha256(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
    // The inner message's own part, read on its own, is the same text.
    const inner = /Content-Type: message\/rfc822\r\nContent-Disposition: attachment; filename="bounce.eml"\r\n\r\n([\s\S]*?)\r\n--outer/.exec(text)![1]!;
    expect((await read(Buffer.from(inner, 'latin1'))).text?.trimEnd()).toBe('Innere Nachricht mit Umlauten: äöü');
  });

  it('an address field with 8-bit bytes is sent as it came, as Postfix does', () => {
    const message = crlf(['From: Jörg <joerg@example.com>', 'Subject: ok', '', 'body', '']);
    const seven = downgradeTo7Bit(message);
    expect(seven.toString('utf8')).toMatch(/^From: Jörg <joerg@example\.com>$/m);
  });
});

describe('downgradeTo7Bit on any 8-bit body', () => {
  it('text of any UTF-8 lines reads the same after quoted-printable; any bytes decode the same after base64', async () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, ''));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 600 }), async (lines, bytes) => {
        // An 8bit part is lines: no bare CR or LF inside the bytes, and one 8-bit byte at least.
        const binary = Buffer.from(bytes.map((b) => (b === 10 || b === 13 ? 0x80 : b)));
        binary[0] = 0xe9;
        const message = Buffer.concat([
          crlf(['Subject: p', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=x', '', '--x', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', `${lines.join('\r\n')}é`, '--x', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename=b', 'Content-Transfer-Encoding: 8bit', '', '']),
          binary,
          Buffer.from('\r\n--x--\r\n'),
        ]);
        const seven = downgradeTo7Bit(message);
        expect(needs8BitMime(seven)).toBe(false);
        const email = await PostalMime.parse(seven, { attachmentEncoding: 'arraybuffer' });
        expect(email.text?.replace(/\r\n/g, '\n').replace(/\n$/, '')).toBe(`${lines.join('\n')}é`);
        expect(Buffer.from(email.attachments[0]!.content as ArrayBuffer).equals(binary)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
