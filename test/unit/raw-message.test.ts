/**
 * What a relay changes in a message taken whole (relay/raw-message.ts), and the drop folder's
 * file format (submission/drop-folder.ts): pure parts, tested without a daemon.
 */
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors/registry.js';
import { prepareRawMessage } from '../../src/relay/raw-message.js';
import { renderRawMessage } from '../../src/relay/render.js';
import { decodeDropFile, encodeDropFile } from '../../src/submission/drop-folder.js';

const NOW = new Date('2026-12-03T20:00:00Z');
const prepare = (text: string, sender: string | null = 'appliance@example.com') =>
  prepareRawMessage(Buffer.from(text, 'latin1'), { received: 'by db-1 (appliance-mail) with local', sender, now: NOW });
const head = (text: string) => prepare(text).bytes.toString('latin1').split('\r\n\r\n')[0]!.split('\r\n');

function refusal(text: string): string {
  try {
    prepare(text);
  } catch (err) {
    return `${(err as AppError).code}: ${(err as Error).message}`;
  }
  return 'no error';
}

describe('a message taken whole', () => {
  it('adds Received, Date and Auto-Submitted; takes away From (kept as Reply-To), Bcc, Return-Path and a forged outbox id; keeps the rest in order', () => {
    expect(head('Return-Path: <x@y>\nFrom: Backup <backup@db-1.example.com>\nX-Appliance-Mail-Id: forged\nTo: a@example.com\nBcc: h@example.com,\n  h2@example.com\nSubject: long\n folded\n\nbody\n')).toEqual([
      'Received: by db-1 (appliance-mail) with local; Thu, 03 Dec 2026 20:00:00 +0000',
      'To: a@example.com',
      'Subject: long',
      ' folded',
      'Reply-To: Backup <backup@db-1.example.com>',
      'Date: Thu, 03 Dec 2026 20:00:00 +0000',
      'Auto-Submitted: auto-generated',
    ]);
  });

  it('keeps the sender\'s Reply-To, Date and Auto-Submitted; no Reply-To for a From without an address or for the sender in force', () => {
    expect(head('From: a@example.com\nReply-To: r@example.com\nDate: Mon, 1 Dec 2026 10:00:00 +0100\nAuto-Submitted: auto-replied\n\nb\n').slice(1)).toEqual([
      'Reply-To: r@example.com',
      'Date: Mon, 1 Dec 2026 10:00:00 +0100',
      'Auto-Submitted: auto-replied',
    ]);
    expect(head('From: root (Cron Daemon)\n\nb\n').some((l) => l.startsWith('Reply-To'))).toBe(false);
    expect(head('From: Appliance <APPLIANCE@example.com>\n\nb\n').some((l) => l.startsWith('Reply-To'))).toBe(false);
  });

  it('reads a message without a header as all body, drops an mbox From line, makes every line end CRLF and keeps 8-bit bytes', () => {
    const plain = prepare('Subject: df\n/dev/sda1 93%\n');
    expect(plain.bytes.toString('latin1')).toMatch(/\r\nSubject: df\r\nDate: .*\r\nAuto-Submitted: auto-generated\r\n\r\n\/dev\/sda1 93%\r\n$/);
    const noHeader = prepare('just text\n');
    expect(noHeader.bytes.toString('latin1').endsWith('\r\n\r\njust text\r\n')).toBe(true);
    const mbox = prepare('From root@db-1 Thu Dec  3 20:00:00 2026\nSubject: Gr\xc3\xbc\xc3\x9fe\n\nK\xc3\xa4se\n');
    expect(mbox.subject).toBe('Grüße');
    expect(mbox.bytes.toString('latin1')).not.toContain('From root@db-1');
    expect(mbox.bytes.toString('latin1').endsWith('\r\n\r\nK\xc3\xa4se\r\n')).toBe(true);
  });

  it('gives the addresses of To, Cc and Bcc (groups, bare names), the subject decoded and the Message-ID', () => {
    const m = prepare('To: team: a@example.com, "B" <b@example.com>;, root\nCc: =?utf-8?q?C=C3=A9?= <c@example.com>\nBcc: h@example.com\nSubject: =?utf-8?q?caf=C3=A9?=\nMessage-ID:  <m1@db-1>\n\nb\n');
    expect({ to: m.to, cc: m.cc, bcc: m.bcc, subject: m.subject, messageId: m.messageId }).toEqual({
      to: ['a@example.com', 'b@example.com', 'root'],
      cc: ['c@example.com'],
      bcc: ['h@example.com'],
      subject: 'café',
      messageId: '<m1@db-1>',
    });
  });

  it('refuses a broken header whole, naming the line and never quoting it', () => {
    expect(refusal('Subject: a\0\n\nb\n')).toBe('AM_MESSAGE_INVALID: message refused: byte 11 is a NUL character, which mail cannot carry');
    expect(refusal('Subject: a\rBcc: e@evil.example\n\nb\n')).toMatch(/header line 1 holds a bare CR/);
    expect(refusal(`Subject: ${'x'.repeat(990)}\n\nb\n`)).toMatch(/header line 1 is longer than 998 characters/);
    expect(refusal(' continued\nSubject: a\n\nb\n')).toBe('no error');
    expect(refusal('To: =?utf-8?q?a@example.com=0ABcc:_e@evil.example?=\n\nb\n')).toMatch(/the To header decodes to a CR or LF/);
    expect(refusal('Subject: ok\n\nb\n')).toBe('no error');
  });

  it('is stored behind its outbox id, and a Message-ID when it had none', () => {
    const bytes = Buffer.from('Subject: x\r\n\r\nb\r\n');
    expect(renderRawMessage('id-1', { bytes, hasMessageId: true }).toString()).toBe('X-Appliance-Mail-Id: id-1\r\nSubject: x\r\n\r\nb\r\n');
    expect(renderRawMessage('id-1', { bytes, hasMessageId: false }).toString()).toMatch(/^X-Appliance-Mail-Id: id-1\r\nMessage-ID: <id-1@[^>]+>\r\nSubject: x/);
  });
});

describe('drop files', () => {
  it('hold the envelope in one line, then the message byte for byte', () => {
    const message = Buffer.from([0x53, 0x3a, 0x20, 0xff, 0x0a, 0x0a, 0x00, 0x0a]);
    const file = encodeDropFile({ recipients: ['root', 'a@example.com'], recipientsFromHeaders: true }, message);
    expect(decodeDropFile(file)).toEqual({ envelope: { recipients: ['root', 'a@example.com'], recipientsFromHeaders: true }, message });
  });

  it('refuses anything else with AM_DROP_FILE_BAD', () => {
    for (const garbage of ['', 'garbage\n', 'appliance-mail-drop 1 {not json\n', 'appliance-mail-drop 1 {"recipients":"root"}\n', 'appliance-mail-drop 1 {"recipients":[1],"recipientsFromHeaders":false}\n']) {
      expect(() => decodeDropFile(Buffer.from(garbage))).toThrow(expect.objectContaining({ code: 'AM_DROP_FILE_BAD' }));
    }
  });
});
