/**
 * The outbox at size, end to end with real daemons and real SMTP servers on loopback: a large
 * backlog across a kill -9 (bodies stay on disk, not in the daemon's memory), the quota, alerts
 * overtaking digests, messages sent as rendered with the From in force, and the queue commands.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir, type Json } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { REFUSED_PORT, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Backlog-Pa55word!';

function relayConfig(name: string, port: number, ca: string, relay: Json = {}): Json {
  return baseConfig(name, {
    mailServer: { enabled: true, server: `127.0.0.1:${port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca },
    relay: { retryMin: '200ms', retryMax: '1s', ...relay },
  });
}

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const submit = (n: Node, subject: string, kind = 'alert', text = 'x') => n.control.submit({ to: ['ops@example.com'], subject, text, html: '', kind, idempotency_key: '' });

describe('relay backlog', () => {
  const nodes: Node[] = [];
  const sinks: SmtpSink[] = [];
  let ca: string;

  beforeAll(async () => {
    const dir = await tempDir('am-ca-');
    const probe = await startSmtpSink();
    await probe.close();
    await writeFile(join(dir, 'ca.pem'), probe.caPem);
    ca = join(dir, 'ca.pem');
  });

  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    }
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function sink(port?: number) {
    const s = await startSmtpSink({ users: { mailer: PASSWORD }, ...(port ? { port } : {}) });
    sinks.push(s);
    return s;
  }
  async function node(name: string, config: Json) {
    const n = await startNode(name, config);
    nodes.push(n);
    return n;
  }

  it('200 messages of 2 MB survive a kill -9; the restarted daemon holds the index, not the 400 MB', async () => {
    const n = await node('backlog', relayConfig('backlog', REFUSED_PORT, ca));
    // Lines of text, as a digest's body would be.
    const body = `${'0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ '.repeat(2)}\n`.repeat(Math.ceil((2 * 1024 * 1024) / 131));
    for (let i = 0; i < 200; i++) await submit(n, `big ${i}`, 'digest', body);
    const before = await n.control.status();
    expect(Number(before.outbox?.bytes_queued)).toBeGreaterThan(400 * 1024 * 1024);
    await n.daemon.stop('SIGKILL');
    await n.restart();
    const status = await n.control.status();
    expect((status.outbox?.queued ?? 0) + (status.outbox?.deferred ?? 0)).toBe(200);
    expect(status.outbox?.bytes_queued).toBe(before.outbox?.bytes_queued);
    const rss = rssMb(n.daemon.pid);
    console.log(`restarted with 200 x 2 MB queued (${(Number(status.outbox?.bytes_queued) / 2 ** 20).toFixed(0)} MB): daemon RSS ${rss.toFixed(0)} MB`);
    // The bodies alone would be 400 MB; an idle daemon is about 70 MB.
    expect(rss).toBeLessThan(200);
  }, 180_000);

  it('refuses past relay.maxOutboxBytes with AM_OUTBOX_FULL naming the figure, and delivers everything it accepted', async () => {
    // The server answers 421 to every connection until the test brings it back.
    const smtp = await sink();
    smtp.unavailable = true;
    const port = smtp.port;
    const n = await node('quota', relayConfig('quota', port, ca, { maxOutboxBytes: 1024 * 1024 }));
    const text = 'y'.repeat(100_000);
    const accepted: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await n.cli(['alert', '--to', 'ops@example.com', '--subject', `q ${i}`, '--text', text]);
      if (r.code !== 0) {
        expect(r.stderr).toMatch(/the outbox is full: .* queued, relay.maxOutboxBytes is 1.0 MB.*\[AM_OUTBOX_FULL\]/);
        break;
      }
      accepted.push(r.stdout.trim());
    }
    expect(accepted.length).toBeGreaterThan(3);
    expect(accepted.length).toBeLessThan(20);
    expect((await n.cli(['status'])).stdout).toMatch(/Outbox size\s+\d.* of 1.0 MB \(relay.maxOutboxBytes\)/);
    smtp.unavailable = false;
    await n.cli(['outbox', 'flush']);
    await eventually(() => (new Set(smtp.received.map((m) => header(m.raw, 'X-Appliance-Mail-Id'))).size === accepted.length ? true : undefined), 20_000, 'every accepted message');
    expect(new Set(smtp.received.map((m) => header(m.raw, 'X-Appliance-Mail-Id')))).toEqual(new Set(accepted));
  }, 60_000);

  it('a new alert overtakes the digests still waiting once the server is back', async () => {
    // The server answers 421 to every connection until the test brings it back.
    const smtp = await sink();
    smtp.unavailable = true;
    const port = smtp.port;
    const n = await node('priority', relayConfig('priority', port, ca));
    const digests = 2000;
    for (let i = 0; i < digests; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => submit(n, `digest ${i + j}`, 'digest')));
    smtp.unavailable = false;
    await n.cli(['outbox', 'flush']);
    await eventually(() => smtp.received[0], 10_000, 'the first digest');
    const { id } = await submit(n, 'ALERT: disk full', 'alert');
    await eventually(() => (smtp.received.some((m) => header(m.raw, 'X-Appliance-Mail-Id') === id) ? true : undefined), 10_000, 'the alert');
    const digestsBefore = smtp.received.findIndex((m) => header(m.raw, 'X-Appliance-Mail-Id') === id);
    console.log(`the alert arrived after ${digestsBefore} of ${digests} digests`);
    expect(digestsBefore).toBeLessThan(digests);
    await eventually(() => (smtp.received.length === digests + 1 ? true : undefined), 60_000, 'every digest');
  }, 120_000);

  it('sends the message as rendered at intake, with the From of the sender in force when it leaves; status tells the last delivery', async () => {
    // The server answers 421 to every connection until the test brings it back.
    const smtp = await sink();
    smtp.unavailable = true;
    const port = smtp.port;
    const n = await node('rendered', relayConfig('rendered', port, ca));
    const { id } = await submit(n, 'Rendered once', 'alert', 'body text');
    await eventually(async () => ((await n.control.status()).outbox?.last_error ? true : undefined), 10_000, 'a failed delivery');
    await n.edit((c) => (c.mailServer.sender = 'new-sender@example.com'));
    await eventually(async () => ((await n.control.status()).mail_server?.sender === 'new-sender@example.com' ? true : undefined), 5_000, 'the edit');
    smtp.unavailable = false;
    await n.cli(['outbox', 'flush']);
    const mail = await eventually(() => smtp.received[0], 10_000, 'delivery');
    expect(mail.from).toBe('new-sender@example.com');
    expect(header(mail.raw, 'From')).toBe('new-sender@example.com');
    expect(mail.raw.match(/^From:/gim)).toHaveLength(1);
    expect(header(mail.raw, 'X-Appliance-Mail-Id')).toBe(id);
    expect(header(mail.raw, 'Auto-Submitted')).toBe('auto-generated');
    expect(header(mail.raw, 'Message-ID')).toMatch(new RegExp(`^<${id}@`));
    expect(header(mail.raw, 'Subject')).toBe('Rendered once');
    expect(mail.raw).toContain('body text');
    const status = await eventually(async () => {
      const s = await n.control.status();
      return s.outbox?.last_delivery_at ? s : undefined;
    }, 5_000, 'last delivery');
    // The failure is history once the same server took a message.
    expect(status.outbox?.last_error).toBe('');
    expect(status.outbox?.previous_error).toMatch(/421 Service not available/);
    expect(status.outbox?.last_delivery_server).toBe(`127.0.0.1:${port}`);
    const text = (await n.cli(['status'])).stdout;
    expect(text).toMatch(/Last delivery\s+\d+s ago to 127\.0\.0\.1:/);
    expect(text).toMatch(/Last error\s+none/);
    expect(text).toMatch(/Previous error\s+the mail server answered: 421/);
  }, 60_000);

  it('queue commands: columns and --json, retry of a deferred id, drop of several ids and of every dead letter, tries counted on', async () => {
    const smtp = await sink();
    smtp.onRcpt = (address) => (address.startsWith('gone') ? Object.assign(new Error('5.1.1 <gone@example.com>: mailbox unavailable'), { responseCode: 550 }) : null);
    // Slow retries: only the commands make anything leave again.
    const n = await node('queue', relayConfig('queue', smtp.port, ca, { retryMin: '1h', retryMax: '1h' }));
    const dead = (await n.cli(['alert', '--to', 'gone@example.com', '--subject', 'to nobody', '--text', 'x'])).stdout.trim();
    await eventually(async () => ((await n.control.listOutbox()).entries.find((e) => e.id === dead)?.state === 'dead' ? true : undefined), 10_000, 'dead letter');
    expect((await n.cli(['outbox', 'retry', dead])).stdout).toContain('requeued 1');
    const again = await eventually(async () => {
      const e = (await n.control.listOutbox()).entries.find((x) => x.id === dead);
      return e?.state === 'dead' && e.attempts === 2 ? e : undefined;
    }, 10_000, 'dead again, after 2 tries');
    expect(again.sender).toBe('engine@example.com');
    expect(Number(again.size_bytes)).toBeGreaterThan(200);
    const listed = await n.cli(['outbox']);
    expect(listed.stdout).toMatch(/ID\s+KIND\s+STATE\s+TO\s+SENDER\s+SUBJECT\s+SIZE\s+TRIES\s+QUEUED\s+LAST ERROR/);
    expect(listed.stdout).toMatch(new RegExp(`${dead}\\s+alert\\s+dead\\s+gone@example.com\\s+engine@example.com\\s+to nobody\\s+\\d+ bytes\\s+2\\s+\\d+s ago`));
    const json = JSON.parse((await n.cli(['outbox', '--json'])).stdout) as { entries: Array<{ id: string }> };
    expect(json.entries.map((e) => e.id)).toEqual([dead]);

    // Deferred: the server goes away; retry of the id tries it now, as flush tries them all.
    // The server goes away for good, then comes back on the port it had.
    const port = smtp.port;
    await smtp.close();
    sinks.splice(sinks.indexOf(smtp), 1);
    const later = [];
    for (let i = 0; i < 3; i++) later.push((await n.cli(['alert', '--to', 'ops@example.com', '--subject', `later ${i}`, '--text', 'x'])).stdout.trim());
    await eventually(async () => ((await n.control.listOutbox()).entries.some((e) => e.state === 'deferred') ? true : undefined), 10_000, 'deferred');
    const back = await sink(port);
    const before = back.received.length;
    const deferred = (await n.control.listOutbox()).entries.find((e) => e.state === 'deferred')!.id;
    expect((await n.cli(['outbox', 'retry', deferred])).stdout).toContain('requeued 1');
    await eventually(() => (back.received.some((m) => header(m.raw, 'X-Appliance-Mail-Id') === deferred) ? true : undefined), 10_000, 'the retried one');
    expect((await n.cli(['outbox', 'flush'])).stdout).toMatch(/deferred message\(s\) are being tried now/);
    await eventually(() => (new Set(back.received.slice(before).map((m) => header(m.raw, 'X-Appliance-Mail-Id'))).size === 3 ? true : undefined), 10_000, 'the deferred ones');

    back.onRcpt = () => Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
    const drop = [];
    for (let i = 0; i < 2; i++) drop.push((await n.cli(['alert', '--to', 'gone2@example.com', '--subject', `drop ${i}`, '--text', 'x'])).stdout.trim());
    await eventually(async () => ((await n.control.listOutbox()).entries.filter((e) => e.state === 'dead').length === 3 ? true : undefined), 10_000, 'three dead');
    expect((await n.cli(['outbox', 'drop', ...drop])).stdout).toBe(drop.map((id) => `dropped ${id}`).join('\n') + '\n');
    expect((await n.cli(['outbox', 'drop', '--all-dead'])).stdout).toContain('dropped 1 message(s)');
    expect((await n.control.listOutbox()).entries).toEqual([]);
  }, 90_000);
});
