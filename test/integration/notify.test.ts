/**
 * Appliance notifications and dashboard digests through the real relay and a real SMTP server.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { headerValue, partText, splitMessage } from '../helpers/mail.js';
import { startSmtpSink, type SmtpSink, type ReceivedMail } from '../helpers/smtp.js';
import example from '../../config/digest-example.json' with { type: 'json' };

describe('notifications and digests', () => {
  let smtp: SmtpSink;
  let node: Node;

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: 'Notify-Pa55!' } });
    const dir = await tempDir('am-notify-ca-');
    await writeFile(join(dir, 'ca.pem'), smtp.caPem);
    node = await startNode(
      'appliance-east-1',
      baseConfig('appliance-east-1', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'appliance@example.com', username: 'mailer', password: 'Notify-Pa55!', tls: true, caFile: join(dir, 'ca.pem') },
        notifications: { recipients: '  a@example.com ,b@example.com;  A@EXAMPLE.com , c@example.com ,' },
        portal: { address: 'portal-one.example.com' },
      }),
    );
  });

  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
    await smtp?.close();
  });

  async function receivedFor(id: string): Promise<ReceivedMail> {
    return eventually(() => smtp.received.find((m) => headerValue(m.raw, 'X-Appliance-Mail-Id') === id), 10_000, `mail ${id}`);
  }

  it.each([
    ['update-available', ['--version', '8.4.2'], /^\[appliance-east-1\] Update available: 8\.4\.2$/],
    ['update-completed', ['--version', '8.4.2'], /^\[appliance-east-1\] Update completed: 8\.4\.2$/],
    ['update-error', ['--version', '8.4.2', '--detail', 'E_NOSPACE: 312 MB free'], /^\[appliance-east-1\] Update failed: 8\.4\.2$/],
    ['backup-external', [], /^\[appliance-east-1\] External backup completed$/],
    ['backup-error', ['--detail', 'storage unreachable'], /^\[appliance-east-1\] Backup failed$/],
  ])('%s reaches every recipient of the list once, and nobody else', async (event, args, subject) => {
    const r = await node.cli(['notify', event, ...args]);
    expect(r.code, r.stderr).toBe(0);
    const mail = await receivedFor(r.stdout.trim());
    expect(mail.to).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(headerValue(mail.raw, 'To')).toBe('a@example.com, b@example.com, c@example.com');
    expect(headerValue(mail.raw, 'Subject')).toMatch(subject);
    const text = partText(mail.raw, 'text/plain');
    const htmlPart = partText(mail.raw, 'text/html');
    expect(text).toContain('What to do next:');
    expect(htmlPart).toContain('What to do next');
    if (args.includes('--detail')) {
      const detail = args[args.indexOf('--detail') + 1]!;
      expect(text).toContain(detail);
      expect(htmlPart).toContain(detail);
    }
  });

  it('a notification sent again with its key is the same message, though rendered at another second; another event under that key is a message of its own', async () => {
    const first = await node.cli(['notify', 'update-error', '--version', '8.4.3', '--detail', 'E_NOSPACE', '--key', 'update-8.4.3-error']);
    expect(first.code, first.stderr).toBe(0);
    const renderedIn = Math.floor(Date.now() / 1000);
    await receivedFor(first.stdout.trim());
    // Rendered again in a later second (the body names the time to the second): still the same request.
    await eventually(() => (Math.floor(Date.now() / 1000) > renderedIn ? true : undefined), 3_000, 'the next second');
    const again = await node.cli(['notify', 'update-error', '--version', '8.4.3', '--detail', 'E_NOSPACE', '--key', 'update-8.4.3-error']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(first.stdout.trim());
    // Another event under the same key is queued and delivered: a key never suppresses a message.
    const other = await node.cli(['notify', 'update-completed', '--version', '8.4.3', '--key', 'update-8.4.3-error']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.trim()).not.toBe(first.stdout.trim());
    await receivedFor(other.stdout.trim());
  });

  it('refuses an unknown event, naming it', async () => {
    const r = await node.cli(['notify', 'reboot']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/event: 'reboot' is not one of update-available, .*\[AM_INVALID_ARGUMENT\]/);
  });

  async function sendDigest(digest: object): Promise<ReceivedMail> {
    const file = join(node.dir, `digest-${Date.now()}.json`);
    await writeFile(file, JSON.stringify(digest));
    const r = await node.cli(['digest', '--file', file]);
    expect(r.code, r.stderr).toBe(0);
    return receivedFor(r.stdout.trim());
  }
  const linkHosts = (mail: ReceivedMail) => [...partText(mail.raw, 'text/html').matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!).host);

  it('a digest links each item to its dashboard on the current portal.address', async () => {
    const mail = await sendDigest(example);
    expect(mail.to).toEqual(['noc@example.com', 'dba-team@example.com']);
    expect(linkHosts(mail)).toEqual(Array(4).fill('portal-one.example.com'));
    expect(partText(mail.raw, 'text/html')).toContain('href="https://portal-one.example.com/dashboards/db-cluster"');
    expect(partText(mail.raw, 'text/plain')).toContain('https://portal-one.example.com/dashboards/app-servers');

    const before = (await node.control.status()).config?.version;
    await node.edit((c) => (c.portal = { address: 'http://10.1.2.3:8080' }));
    await eventually(async () => ((await node.control.status()).config?.version !== before ? true : undefined), 3_000, 'edit applied');
    const moved = await sendDigest(example);
    expect(linkHosts(moved)).toEqual(Array(4).fill('10.1.2.3:8080'));
    expect(partText(moved.raw, 'text/html')).toContain('href="http://10.1.2.3:8080/dashboards/storage"');
  });

  it('without portal.address the digest is sent without links, and status warns', async () => {
    await node.edit((c) => delete c.portal);
    await eventually(async () => ((await node.control.status()).warnings.some((w) => w.includes('portal.address is not set')) ? true : undefined), 3_000);
    const mail = await sendDigest(example);
    expect(partText(mail.raw, 'text/html')).not.toContain('href=');
    expect(partText(mail.raw, 'text/plain')).not.toMatch(/https?:\/\//);
    expect((await node.cli(['status'])).stdout).toContain('warning: portal.address is not set');
  });

  it('a metric name with <script>, CR/LF and quotes shows up as text in both parts and adds no header', async () => {
    const name = '<script>alert("x")</script>\r\nBcc: victim@example.com';
    const mail = await sendDigest({ ...example, items: [{ type: 'metric', name, value: '"1" & <2>', status: 'critical', dashboard: 'db' }] });
    const { headers } = splitMessage(mail.raw);
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).not.toContain('victim');
    expect(mail.to).toEqual(['noc@example.com', 'dba-team@example.com']);
    const htmlPart = partText(mail.raw, 'text/html');
    expect(htmlPart).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(htmlPart).toContain('&quot;1&quot; &amp; &lt;2&gt;');
    expect(htmlPart).not.toContain('<script>');
    const text = partText(mail.raw, 'text/plain');
    expect(text).toContain('<script>alert("x")</script> Bcc: victim@example.com');
    expect(text).not.toMatch(/^Bcc:/m);
  });

  it('refuses a digest with a bad field, naming it, and queues nothing', async () => {
    const before = smtp.received.length;
    const file = join(node.dir, 'bad-digest.json');
    await writeFile(file, JSON.stringify({ ...example, subscribers: ['noc@example.com', 'not an address'] }));
    const r = await node.cli(['digest', '--file', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/subscribers\.1: is not a valid email address.*\[AM_MESSAGE_INVALID\]/);
    expect((await node.control.listOutbox()).entries).toEqual([]);
    expect(smtp.received.length).toBe(before);
  });
});
