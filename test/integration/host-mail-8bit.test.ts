/**
 * 8-bit messages from the host (sendmail here; the port and the drop folder store them alike) at
 * two real SMTP servers: one offering 8BITMIME gets the bytes as they came with BODY=8BITMIME;
 * one that does not (smtp-server's hide8BITMIME) gets them re-encoded to 7-bit, and reads the
 * same text, HTML, attachments and subject from them. A non-ASCII address (which would need
 * SMTPUTF8) is refused at the door.
 */
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SMTPServerOptions } from 'smtp-server';
import { baseConfig, CLI, eventually, runMerged, tempDir } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { headerValue } from '../helpers/mail.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Eight-Pa55word!';
const sha256 = (data: ArrayBuffer) => createHash('sha256').update(new Uint8Array(data)).digest('hex');
const body = (message: Buffer) => message.subarray(message.indexOf('\r\n\r\n') + 4);

/** What a reader sees of a message: subject, text, HTML and each attachment's hash. */
async function read(message: Buffer) {
  const email = await PostalMime.parse(message, { attachmentEncoding: 'arraybuffer' });
  return { subject: email.subject, text: email.text, html: email.html, attachments: email.attachments.map((a) => [a.filename, sha256(a.content as ArrayBuffer)]) };
}

/** A report as a script writes it: UTF-8 Subject and bodies sent as 8bit, a base64 attachment. */
function report(subject: string): Buffer {
  return Buffer.from(
    [
      'From: backup@db-1.example.com',
      'To: reports@example.com',
      `Subject: ${subject} — Grüße`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: multipart/alternative; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Sicherung fertig: 3 Dateien übersprungen, 0 € Kosten.',
      '.',
      'Ende',
      '--b2',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '<p>Sicherung fertig: 3 Dateien übersprungen, 0 € Kosten.</p>',
      '--b2--',
      '--b1',
      'Content-Type: application/octet-stream; name="state.bin"',
      'Content-Disposition: attachment; filename="state.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b1--',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

describe('8-bit host mail: passed through with 8BITMIME, re-encoded without it', () => {
  let offering: SmtpSink;
  let hiding: SmtpSink;
  let node: Node;
  let sendmail: (args: string[], input: Buffer | string) => ReturnType<typeof runMerged>;
  /** MAIL FROM's parameters, per server, in order. */
  const mailFrom: Record<string, Array<Record<string, unknown>>> = { offering: [], hiding: [] };
  const recording = (name: string): Partial<SMTPServerOptions> => ({
    onMailFrom(address, _session, callback) {
      mailFrom[name]!.push({ ...(address.args || {}) });
      callback();
    },
  });

  beforeAll(async () => {
    offering = await startSmtpSink({ users: { mailer: PASSWORD }, extra: recording('offering') });
    hiding = await startSmtpSink({ users: { mailer: PASSWORD }, extra: { ...recording('hiding'), hide8BITMIME: true } });
    const dir = await tempDir('am-8bit-');
    await writeFile(join(dir, 'ca.pem'), offering.caPem);
    node = await startNode(
      'eightbit',
      baseConfig('eightbit', {
        mailServer: { enabled: true, server: `127.0.0.1:${offering.port}`, sender: 'appliance@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(dir, 'ca.pem') },
        relay: { retryMin: '200ms', retryMax: '1s' },
      }),
    );
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(CLI, join(bin, 'sendmail'));
    sendmail = (args, input) => runMerged(join(bin, 'sendmail'), args, { input, env: { APPLIANCE_MAIL_CONFIG: node.configPath } });
  });

  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
    await offering?.close();
    await hiding?.close();
  });


  it('a server offering 8BITMIME gets the message byte for byte, with BODY=8BITMIME', async () => {
    const sent = report('passthrough');
    const result = await sendmail(['-t', '-i'], sent);
    expect(result, result.output).toEqual({ code: 0, output: '' });
    const mail = await eventually(() => offering.received[0], 15_000, 'the message');
    expect(body(mail.bytes).equals(body(sent))).toBe(true);
    expect(mail.raw).toMatch(/^Subject: passthrough — Grüße\r$/m);
    expect(mailFrom['offering']).toEqual([expect.objectContaining({ BODY: '8BITMIME' })]);
  });

  it('a server without 8BITMIME gets it 7-bit, and reads the same text, HTML, attachment and subject from it', async () => {
    await node.edit((config) => {
      config.mailServer.server = `127.0.0.1:${hiding.port}`;
    });
    await eventually(async () => ((await node.control.status()).mail_server?.server === `127.0.0.1:${hiding.port}` ? true : undefined), 10_000, 'the new server in force');
    const sent = report('downgraded');
    const result = await sendmail(['-t', '-i'], sent);
    expect(result, result.output).toEqual({ code: 0, output: '' });
    // Its Subject arrives in encoded words: the one message this server gets.
    const mail = await eventually(() => hiding.received[0], 15_000, 'the downgraded message');
    expect(headerValue(mail.raw, 'Subject')).toMatch(/^=\?UTF-8\?B\?/);
    expect(mail.bytes.every((byte) => byte < 0x80)).toBe(true);
    expect(mail.raw).toMatch(/^Content-Transfer-Encoding: quoted-printable\r$/m);
    expect(await read(mail.bytes)).toEqual(await read(sent));
    expect((await read(mail.bytes)).text).toContain('3 Dateien übersprungen, 0 € Kosten.\n.\nEnde');
    expect(mailFrom['hiding']!.map((args) => args['BODY'])).toEqual([undefined]);
  });

  it('a non-ASCII address (which would need SMTPUTF8) is refused at the door, naming it', async () => {
    const result = await sendmail(['-i', 'jörg@example.com'], 'Subject: utf8 address\n\nhello\n');
    expect(result.code).toBe(67);
    expect(result.output).toMatch(/'jörg@example\.com' is not a valid email address .*\[AM_RECIPIENT_INVALID\]/);
  });
});
