/**
 * The other doors into the outbox, driven by the real programs that use them on an Appliance:
 * swaks on the SMTP submission port; cron's and mailx's way of calling sendmail, with the
 * command installed as `sendmail` (a link to the CLI) in a test bin folder. Mail must arrive at
 * a real upstream SMTP server.
 */
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';
import { baseConfig, CLI, eventually, runCli, runMerged, tempDir, type Json } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { headerValue } from '../helpers/mail.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Submit-Pa55word!';

/** The port the daemon bound for `submission.listen` ending in :0, from its log. */
async function submissionPort(node: Node): Promise<number> {
  const line = await node.daemon.waitForLog((l) => l['msg'] === 'submission port listening');
  return Number(/:(\d+)$/.exec(String(line['listen']))?.[1]);
}

describe.skipIf(missingTool('swaks', 'swaks') || missingTool('mailx', 'bsd-mailx'))('submission port, sendmail and mailx', () => {
  let smtp: SmtpSink;
  let node: Node;
  let port: number;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    const dir = await tempDir('am-submission-');
    await writeFile(join(dir, 'ca.pem'), smtp.caPem);
    const config: Json = baseConfig('appliance', {
      mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(dir, 'ca.pem') },
      notifications: { recipients: 'ops@example.com' },
      submission: { listen: '127.0.0.1:0' },
      relay: { maxMessageBytes: 4096, retryMin: '200ms', retryMax: '1s' },
    });
    node = await startNode('appliance', config);
    port = await submissionPort(node);
    // The command installed as sendmail in a test prefix, as /usr/sbin/sendmail would be.
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

  const arrivedFor = (address: string) => eventually(() => smtp.received.find((m) => m.to.includes(address)), 10_000, `mail for ${address}`);
  const sendmail = (args: string[], input: string | Buffer, extraEnv: NodeJS.ProcessEnv = {}) => runMerged(join(bin, 'sendmail'), args, { input, env: { ...env, ...extraEnv } });
  const swaks = (args: string[]) => runMerged('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'grafana@appliance.local', ...args]);

  it('swaks sends through the port; 250 names the outbox id; the mail arrives upstream from mailServer.sender', async () => {
    const sent = await swaks(['--to', 'a@example.com', '--header', 'Subject: disk 93 % on db-1', '--body', 'the disk is almost full']);
    expect(sent.code, sent.output).toBe(0);
    expect(sent.output).toMatch(/SIZE 4096/);
    const id = /250 (?:2\.6\.0 )?queued as (\S+)/.exec(sent.output)?.[1];
    expect(id).toMatch(/^[0-9a-z]{9}-[0-9a-f]{10}$/);
    const mail = await arrivedFor('a@example.com');
    expect(mail.from).toBe('engine@example.com');
    expect(headerValue(mail.raw, 'From')).toBe('engine@example.com');
    expect(headerValue(mail.raw, 'Subject')).toBe('disk 93 % on db-1');
    expect(headerValue(mail.raw, 'X-Appliance-Mail-Id')).toBe(id);
    expect(mail.raw).toContain('the disk is almost full');
    // The client's own From is kept for answers.
    expect(headerValue(mail.raw, 'Reply-To')).toBe('grafana@appliance.local');
  });

  it('refuses on the port: too large 552, a bad recipient 553, a header injected through an encoded word 554', async () => {
    const large = await swaks(['--to', 'a@example.com', '--header', 'Subject: refused big', '--body', 'x'.repeat(8000)]);
    expect(large.output).toMatch(/<\*\* +552 .*relay\.maxMessageBytes \(4096\).*\[AM_MESSAGE_TOO_LARGE\]/);
    const badRcpt = await swaks(['--to', 'ops@intranet', '--header', 'Subject: refused rcpt', '--body', 'x']);
    expect(badRcpt.output).toMatch(/<\*\* +553 .*\[AM_RECIPIENT_INVALID\]/);
    const injected = await swaks(['--to', 'a@example.com', '--header', 'Subject: =?utf-8?q?hi=0D=0ABcc:_x@evil.example?=', '--body', 'x']);
    expect(injected.output).toMatch(/<\*\* +554 .*the Subject header decodes to a CR or LF.*\[AM_MESSAGE_INVALID\]/);
    for (const refused of [large, badRcpt, injected]) expect(refused.code).not.toBe(0);
    // Refused before the outbox: nothing of them was stored.
    expect((await node.control.listOutbox()).entries.filter((e) => e.subject.startsWith('refused') || e.subject.startsWith('hi'))).toEqual([]);
  });

  it('a cron-style sendmail -i -FCronDaemon -oem root delivers to notifications.recipients', async () => {
    const message = 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@appliance> /usr/local/bin/backup\n\nbackup: 3 files skipped\n';
    const sent = await sendmail(['-i', '-FCronDaemon', '-B8BITMIME', '-oem', 'root'], message);
    expect(sent, sent.output).toEqual({ code: 0, output: '' });
    const mail = await arrivedFor('ops@example.com');
    expect(headerValue(mail.raw, 'Subject')).toBe('Cron <root@appliance> /usr/local/bin/backup');
    expect(mail.raw).toContain('backup: 3 files skipped');
  });

  it('mailx (bsd-mailx, which runs sendmail -i -t) delivers; the Bcc recipient gets the same copy, without a trace of it', async () => {
    const mailrc = join(bin, '..', 'mailrc');
    await writeFile(mailrc, `set sendmail=${join(bin, 'sendmail')}\n`);
    const sent = await runMerged('mailx', ['-s', 'RAID degraded on md0', '-c', 'c@example.com', '-b', 'hidden@example.com', 't@example.com'], {
      input: 'md0: 1 of 2 disks failed\n',
      env: { ...env, MAILRC: mailrc, HOME: bin },
    });
    expect(sent, sent.output).toEqual({ code: 0, output: '' });
    const mail = await arrivedFor('t@example.com');
    expect(mail.to.sort()).toEqual(['c@example.com', 'hidden@example.com', 't@example.com']);
    expect(headerValue(mail.raw, 'Subject')).toBe('RAID degraded on md0');
    expect(mail.raw).toContain('md0: 1 of 2 disks failed');
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    expect(mail.raw).not.toContain('hidden@example.com');
  });

  it('exits with sendmail codes: 75 when neither the daemon nor the drop folder can take it, 64 usage, 65 bad message or too large, 67 bad or no recipient', async () => {
    const ok = 'Subject: x\n\nbody\n';
    // A config (read leniently: it is incomplete) whose socket and drop folder do not exist.
    const nowhere = join(bin, 'nowhere.json');
    await writeFile(nowhere, JSON.stringify({ control: { socket: './nobody.sock' }, submission: { dropFolder: './no-such-folder' } }));
    const cases: Array<[string, string[], string | Buffer, NodeJS.ProcessEnv, number, RegExp]> = [
      ['daemon and drop folder unreachable', ['a@example.com'], ok, { APPLIANCE_MAIL_CONFIG: nowhere }, 75, /nobody\.sock.*note that the config has an error.*cannot write into the drop folder \S+no-such-folder.*AM_DROP_FOLDER_UNAVAILABLE/s],
      ['no recipients', ['-i'], ok, {}, 64, /no recipients: give addresses, or -t/],
      ['a mode not offered', ['-bp'], ok, {}, 64, /-bp is not offered/],
      ['-t and no recipient header', ['-t'], ok, {}, 67, /no recipients: the To, Cc and Bcc headers name nobody/],
      ['a bad recipient', ['a@example.com, not@an@address'], ok, {}, 67, /'not@an@address' is not a valid email address.*AM_RECIPIENT_INVALID/],
      ['too large', ['a@example.com'], `Subject: x\n\n${'y'.repeat(8000)}\n`, {}, 65, /relay\.maxMessageBytes \(4096\).*AM_MESSAGE_TOO_LARGE/],
      ['a header injected through an encoded word', ['a@example.com'], 'Subject: =?utf-8?q?hi=0D=0ABcc:_x@evil.example?=\n\nbody\n', {}, 65, /the Subject header decodes to a CR or LF.*AM_MESSAGE_INVALID/],
    ];
    const results = await Promise.all(cases.map(([, args, input, extraEnv]) => sendmail(args, input, extraEnv)));
    for (const [i, [what, , , , code, message]] of cases.entries()) {
      expect({ what, code: results[i]!.code }).toEqual({ what, code });
      expect(results[i]!.output, what).toMatch(message);
    }
    expect(smtp.received).toEqual([]);
  });

  it('appliance-mail sendmail is the same command; without -i a line with a single dot ends the message', async () => {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, 'sendmail', '--config', node.configPath, 'dot@example.com'], (err, out, errOut) =>
        err ? reject(new Error(`${err.message}: ${errOut}`)) : resolve({ stdout: out, stderr: errOut }),
      );
      child.stdin?.end('Subject: dots\n\nkept\n.\nnot sent\n');
    });
    expect(stdout + stderr).toBe('');
    const mail = await arrivedFor('dot@example.com');
    expect(mail.raw).toContain('kept');
    expect(mail.raw).not.toContain('not sent');
  });
});

describe.skipIf(missingTool('swaks', 'swaks'))('submission port while mail is off, and at shutdown', () => {
  it('451 while mail is disabled (sendmail exits 75); at shutdown a session left open is told 421 and the daemon exits 0', async () => {
    const node = await startNode('quiet', baseConfig('quiet', { mailServer: { enabled: false }, submission: { listen: '127.0.0.1:0' } }));
    const port = await submissionPort(node);
    try {
      const refused = await runMerged('swaks', ['--server', `127.0.0.1:${port}`, '--to', 'a@example.com', '--header', 'Subject: x', '--body', 'x']);
      expect(refused.output).toMatch(/<\*\* +451 .*mail server is disabled.*\[AM_MAIL_DISABLED\]/);
      const sendmail = await runCli(['sendmail', '--config', node.configPath, 'a@example.com'], { input: 'Subject: x\n\nbody\n' });
      expect(sendmail.code).toBe(75);
      expect(sendmail.stderr).toMatch(/AM_MAIL_DISABLED/);

      let heard = '';
      const session = connect(port, '127.0.0.1');
      session.setEncoding('utf8').on('data', (chunk: string) => (heard += chunk));
      await eventually(() => (heard.startsWith('220 ') ? true : undefined), 5_000, 'the greeting');
      const stopped = node.daemon.stop('SIGTERM');
      await eventually(() => (heard.includes('\n421 ') ? true : undefined), 15_000, 'a 421 to the open session');
      session.destroy();
      expect(await stopped).toEqual({ code: 0, signal: null });
    } finally {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    }
  });
});
