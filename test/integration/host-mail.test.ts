/**
 * The host's own mail, as cron, mailx and backup scripts send it (issue 21): messages carried
 * whole through sendmail -t, s-nail (mailx with attachments) and swaks on the submission port;
 * never lost while the daemon is away (the drop folder); local names to the administrators.
 * Every message is checked at a real SMTP server, parts decoded by postal-mime and compared by
 * hash with what was sent.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import PostalMime from 'postal-mime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, CLI, DaemonProcess, eventually, runMerged, tempDir, type Json } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { headerValue } from '../helpers/mail.js';
import { mulberry32 } from '../helpers/random.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp.js';
import { missingTool } from '../helpers/tools.js';

const PASSWORD = 'Host-Pa55word!';

/** `length` bytes from a seeded PRNG: the same every run. */
function seededBytes(seed: number, length: number): Buffer {
  const next = mulberry32(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

const sha256 = (data: Uint8Array | ArrayBuffer | string) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer)).digest('hex');

/** Each attachment (inline or not) of a message, by file name: its decoded bytes' hash. */
async function partHashes(bytes: Buffer): Promise<Record<string, string>> {
  const email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer' });
  return Object.fromEntries(email.attachments.map((a) => [a.filename ?? a.contentId ?? a.mimeType, sha256(a.content as ArrayBuffer)]));
}

describe.skipIf(missingTool('swaks', 'swaks') || missingTool('s-nail', 's-nail'))('the host\'s mail: whole messages, the drop folder, local names', () => {
  let smtp: SmtpSink;
  let node: Node;
  let port: number;
  let bin: string;
  let dir: string;
  let drop: string;
  let env: NodeJS.ProcessEnv;
  // A binary attachment of a few hundred KB and an inline image, seeded: the same bytes every run.
  const binary = seededBytes(21, 300 * 1024);
  const image = seededBytes(22, 20 * 1024);

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    dir = await tempDir('am-hostmail-');
    await writeFile(join(dir, 'ca.pem'), smtp.caPem);
    // The drop folder as the install makes it: 1730, the daemon's (here root's) user and group.
    drop = join(dir, 'drop');
    await mkdir(drop);
    await runMerged('chmod', ['1730', drop]);
    const config: Json = baseConfig('hostmail', {
      mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'appliance@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(dir, 'ca.pem') },
      notifications: { recipients: 'ops@example.com', localRecipients: { backup: 'backup-team@example.com' } },
      submission: { listen: '127.0.0.1:0', dropFolder: drop },
      relay: { maxMessageBytes: 2 * 1024 * 1024, retryMin: '200ms', retryMax: '1s' },
    });
    node = await startNode('hostmail', config);
    port = Number(/:(\d+)$/.exec(String((await node.daemon.waitForLog((l) => l['msg'] === 'submission port listening'))['listen']))?.[1]);
    bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(CLI, join(bin, 'sendmail'));
    env = { APPLIANCE_MAIL_CONFIG: node.configPath };
  });

  afterEach(() => {
    smtp.received.splice(0);
  });

  afterAll(async () => {
    node.control.close();
    await node.daemon.stop();
    await smtp.close();
  });

  const arrivedFor = (address: string, subject?: string): Promise<ReceivedMail> =>
    eventually(() => smtp.received.find((m) => m.to.includes(address) && (subject === undefined || headerValue(m.raw, 'Subject') === subject)), 15_000, `mail for ${address}`);
  const sendmail = (args: string[], input: string | Buffer) => runMerged(join(bin, 'sendmail'), args, { input, env });

  /** A report as a backup script sends it: text and HTML with an inline logo, a binary attachment, the sender's headers. */
  async function report(subject: string, to: string): Promise<Buffer> {
    const composed = new MailComposer({
      from: 'Backup <backup@db-1.example.com>',
      to,
      bcc: 'hidden@example.com',
      subject,
      inReplyTo: '<run-41@db-1.example.com>',
      references: ['<run-40@db-1.example.com>', '<run-41@db-1.example.com>'],
      headers: { 'X-Backup-Run': '42' },
      text: 'Backup finished: 3 files skipped. Grüße',
      html: '<p>Backup finished <img src="cid:logo@db-1"></p>',
      attachments: [
        { filename: 'logo.png', content: image, contentType: 'image/png', cid: 'logo@db-1' },
        { filename: 'backup.tar.gz', content: binary, contentType: 'application/gzip' },
      ],
    }).compile();
    // As sendmail -t reads it: the Bcc header is in the message (and must not leave it).
    composed.keepBcc = true;
    return composed.build();
  }

  async function expectWhole(mail: ReceivedMail, sent: Buffer | null): Promise<void> {
    expect(await partHashes(mail.bytes)).toMatchObject({ 'backup.tar.gz': sha256(binary), 'logo.png': sha256(image) });
    expect(mail.from).toBe('appliance@example.com');
    expect(headerValue(mail.raw, 'From')).toBe('appliance@example.com');
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    expect(mail.raw).not.toContain('hidden@example.com');
    expect(headerValue(mail.raw, 'Received')).toMatch(/by hostmail \(appliance-mail\) with (ESMTP|local); /);
    if (sent === null) return;
    // Everything after the header block is byte for byte what was sent (swaks ends its DATA with one more CRLF).
    const body = (m: Buffer) => m.subarray(m.indexOf('\r\n\r\n') + 4).toString('latin1').replace(/(\r\n)+$/, '');
    expect(sha256(body(mail.bytes))).toBe(sha256(body(sent)));
    expect(headerValue(mail.raw, 'Reply-To')).toBe('Backup <backup@db-1.example.com>');
    expect(headerValue(mail.raw, 'In-Reply-To')).toBe('<run-41@db-1.example.com>');
    expect(headerValue(mail.raw, 'References')).toBe('<run-40@db-1.example.com> <run-41@db-1.example.com>');
    expect(headerValue(mail.raw, 'X-Backup-Run')).toBe('42');
    expect(headerValue(mail.raw, 'Message-ID')).toBe(headerValue(sent.toString('latin1'), 'Message-ID'));
  }

  it('sendmail -t carries a multipart report whole: attachment and inline image byte-identical, Reply-To, In-Reply-To, References kept; Bcc gets it unseen', async () => {
    const sent = await report('backup report (sendmail)', 'reports@example.com');
    const result = await sendmail(['-t', '-i'], sent);
    expect(result, result.output).toEqual({ code: 0, output: '' });
    const mail = await arrivedFor('reports@example.com');
    expect(mail.to.sort()).toEqual(['hidden@example.com', 'reports@example.com']);
    await expectWhole(mail, sent);
  });

  it('swaks through the submission port carries the same report whole', async () => {
    const sent = await report('backup report (swaks)', 'reports@example.com');
    const file = join(dir, 'report.eml');
    await writeFile(file, sent);
    const result = await runMerged('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'backup@db-1.example.com', '--to', 'reports@example.com', '--data', `@${file}`]);
    expect(result.code, result.output).toBe(0);
    await expectWhole(await arrivedFor('reports@example.com'), sent);
  });

  it('s-nail (mailx) with -a attachments through the sendmail link: every part arrives byte-identical', async () => {
    await writeFile(join(dir, 'backup.tar.gz'), binary);
    await writeFile(join(dir, 'logo.png'), image);
    const result = await runMerged(
      's-nail',
      ['-n', '-#', '-S', `mta=${join(bin, 'sendmail')}`, '-S', 'sendwait', '-S', 'reply-to=backup@db-1.example.com', '-s', 'backup report (mailx)', '-a', join(dir, 'backup.tar.gz'), '-a', join(dir, 'logo.png'), 'reports@example.com'],
      { input: 'Backup finished.\n', env: { ...env, HOME: dir, MAILRC: '/dev/null' } },
    );
    expect(result.code, result.output).toBe(0);
    const mail = await arrivedFor('reports@example.com');
    await expectWhole(mail, null);
    expect(headerValue(mail.raw, 'Reply-To')).toBe('backup@db-1.example.com');
  });

  // Several CLI runs each: a CLI start takes seconds on a loaded 2-core machine.
  it('refuses a broken header whole, with words, on both doors', { timeout: 90_000 }, async () => {
    const cases: Array<[string, RegExp]> = [
      ['Subject: =?utf-8?q?hi=0D=0ABcc:_x@evil.example?=\n\nbody\n', /Subject header decodes to a CR or LF/],
      ['Subject: a\rb\n\nbody\n', /header line 1 holds a bare CR/],
      [`Subject: ${'x'.repeat(1000)}\n\nbody\n`, /header line 1 is longer than 998 characters/],
      ['Subject: a\nX-Long: b\n' + ` ${'c'.repeat(1000)}\n\nbody\n`, /header line 3 is longer than 998 characters/],
      ['Subject: a\n\nbody \0 NUL\n', /byte 18 is a NUL character/],
    ];
    const results = await Promise.all(cases.map(([message]) => sendmail(['a@example.com'], message)));
    for (const [i, [, words]] of cases.entries()) {
      expect({ code: results[i]!.code, output: results[i]!.output }).toEqual({ code: 65, output: expect.stringMatching(words) });
      expect(results[i]!.output).toContain('[AM_MESSAGE_INVALID]');
    }
    const file = join(dir, 'broken.eml');
    await writeFile(file, 'Subject: a\r\nX-Bad: =?utf-8?q?x=0D=0ABcc:_e@evil.example?=\r\n\r\nbody\r\n');
    const refused = await runMerged('swaks', ['--server', `127.0.0.1:${port}`, '--to', 'a@example.com', '--data', `@${file}`]);
    expect(refused.output).toMatch(/<\*\* +554 .*the X-Bad header decodes to a CR or LF.*\[AM_MESSAGE_INVALID\]/);
    expect(smtp.received).toEqual([]);
  });

  it('local names reach the administrators: sendmail root, root@localhost, root@<host name>, a bare RCPT TO:<root>; notifications.localRecipients sends backup elsewhere', { timeout: 90_000 }, async () => {
    const names = ['root', 'root@localhost', `root@${hostname()}`, 'postmaster@hostmail'];
    const results = await Promise.all(names.map((rcpt, i) => sendmail(['-i', rcpt], `Subject: local ${i}\n\ncron output\n`)));
    for (const [i, rcpt] of names.entries()) {
      expect(results[i], `${rcpt}: ${results[i]!.output}`).toEqual({ code: 0, output: '' });
      expect((await arrivedFor('ops@example.com', `local ${i}`)).to).toEqual(['ops@example.com']);
    }
    const swaks = await runMerged('swaks', ['--server', `127.0.0.1:${port}`, '--to', 'root', '--header', 'Subject: local port', '--body', 'smartd']);
    expect(swaks.code, swaks.output).toBe(0);
    await arrivedFor('ops@example.com', 'local port');
    const backup = await sendmail(['backup@localhost'], 'Subject: local backup\n\nnightly\n');
    expect(backup.code, backup.output).toBe(0);
    expect((await arrivedFor('backup-team@example.com', 'local backup')).to).toEqual(['backup-team@example.com']);
  });

  it('a garbage file in the drop folder goes to bad/, never deleted, and status warns', async () => {
    await writeFile(join(drop, 'garbage.msg'), 'this is not what sendmail writes\n');
    const line = await node.daemon.waitForLog((l) => l['code'] === 'AM_DROP_FILE_BAD' && String(l['file']).endsWith('garbage.msg'));
    expect(line['reason']).toMatch(/not a drop file/);
    expect(await readdir(join(drop, 'bad'))).toContain('garbage.msg');
    expect(await readFile(join(drop, 'bad', 'garbage.msg'), 'utf8')).toBe('this is not what sendmail writes\n');
    expect((await node.control.status()).warnings.join('\n')).toMatch(/1 file\(s\) of the drop folder could not be queued.*\[AM_DROP_FILE_BAD\]/);
  });

  it('with a typo in the config the CLI still finds the socket (the daemon runs on its last good config) and names the config error', async () => {
    const good = await readFile(node.configPath, 'utf8');
    try {
      // A trailing comma: the file is no longer JSON; the daemon refuses the edit and keeps running.
      await writeFile(node.configPath, good.replace(/\n}\s*$/, ',\n}\n'));
      await node.daemon.waitForLog((l) => l['code'] === 'AM_CONFIG_INVALID');
      const result = await sendmail(['-i', 'typo@example.com'], 'Subject: typo\n\nsent while the config is broken\n');
      expect(result, result.output).toEqual({ code: 0, output: '' });
      await arrivedFor('typo@example.com');
      // Nothing went through the drop folder: the daemon took it through its socket.
      expect((await readdir(drop)).filter((n) => n.endsWith('.msg'))).toEqual([]);
    } finally {
      await writeFile(node.configPath, good);
    }
  });

  it('with the daemon stopped, sendmail exits 0; the message waits in the drop folder and is delivered once the daemon starts', async () => {
    await node.daemon.stop();
    const result = await sendmail(['-t'], 'To: later@example.com\nSubject: while stopped\n\nkept for later\n');
    expect(result, result.output).toEqual({ code: 0, output: '' });
    expect((await readdir(drop)).filter((n) => n.endsWith('.msg'))).toHaveLength(1);
    // The CLI names the config error beside "not running" when the daemon cannot be reached.
    const good = await readFile(node.configPath, 'utf8');
    await writeFile(node.configPath, good.replace(/\n}\s*$/, ',\n}\n'));
    const status = await runMerged(process.execPath, [CLI, 'status', '--config', node.configPath]);
    expect(status.output).toMatch(/not running or not reachable on \S+control\.sock.*; note that the config has an error .*not valid JSON at line \d+, column \d+.*AM_DAEMON_UNREACHABLE/s);
    await writeFile(node.configPath, good);
    node.daemon = new DaemonProcess(node.configPath);
    await node.daemon.ready();
    const mail = await arrivedFor('later@example.com');
    expect(mail.raw).toContain('kept for later');
    await eventually(async () => ((await readdir(drop)).some((n) => n.endsWith('.msg')) ? undefined : true), 10_000, 'the drop file removed');
    // Queued once (delivery itself is at-least-once: a server slow to answer may get a second copy).
    expect(node.daemon.logs.filter((l) => l['msg'] === 'message taken from the drop folder')).toHaveLength(1);
  });
});
