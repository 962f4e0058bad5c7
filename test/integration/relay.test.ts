/**
 * The relay end to end: a real daemon process, real SMTP servers on loopback (smtp-server with
 * STARTTLS and AUTH), the real control socket and CLI.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir, type Json } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { REFUSED_PORT, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Relay-Pa55word!';
const USERS = { mailer: PASSWORD };

async function caFile(caPem: string): Promise<string> {
  const dir = await tempDir('am-ca-');
  await writeFile(join(dir, 'ca.pem'), caPem);
  return join(dir, 'ca.pem');
}

function relayConfig(name: string, port: number, ca: string, mailServer: Json = {}): Json {
  return baseConfig(name, {
    mailServer: { enabled: true, server: `127.0.0.1:${port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca, ...mailServer },
    relay: { retryMin: '200ms', retryMax: '1s' },
  });
}

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();

describe('relay', () => {
  const nodes: Node[] = [];
  const sinks: SmtpSink[] = [];
  let ca: string;

  beforeAll(async () => {
    ca = await caFile((await startSmtpSink().then(async (s) => (await s.close(), s))).caPem);
  });

  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    }
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function sink(options: Parameters<typeof startSmtpSink>[0] = {}) {
    const s = await startSmtpSink({ users: USERS, ...options });
    sinks.push(s);
    return s;
  }
  async function node(name: string, config: Json) {
    const n = await startNode(name, config);
    nodes.push(n);
    return n;
  }

  it('delivers an alert with the right From, To and Subject, over STARTTLS, authenticated', async () => {
    const smtp = await sink();
    const n = await node('alerting', relayConfig('alerting', smtp.port, ca));
    const submitted = await n.cli(['alert', '--to', 'a@example.com, b@example.org', '--subject', 'CPU high on db-1', '--text', 'load 12.5']);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{9}-[0-9a-f]{10}$/);
    const mail = await eventually(() => smtp.received[0], 10_000, 'delivery');
    expect(mail).toMatchObject({ from: 'engine@example.com', to: ['a@example.com', 'b@example.org'], secure: true, user: 'mailer' });
    expect(header(mail.raw, 'From')).toBe('engine@example.com');
    expect(header(mail.raw, 'To')).toBe('a@example.com, b@example.org');
    expect(header(mail.raw, 'Subject')).toBe('CPU high on db-1');
    expect(header(mail.raw, 'X-Appliance-Mail-Id')).toBe(id);
    expect(mail.raw).toContain('load 12.5');
    await eventually(async () => ((await n.control.status()).outbox?.sent_since_start === '1' ? true : undefined), 5_000);
  });

  it('reads the body from stdin, and an HTML body from a file', async () => {
    const smtp = await sink();
    const n = await node('bodies', relayConfig('bodies', smtp.port, ca));
    const htmlPath = join(n.dir, 'body.html');
    await writeFile(htmlPath, '<p>disk <b>full</b></p>');
    const { runCli } = await import('../helpers/daemon.js');
    expect((await runCli(['alert', '--config', n.configPath, '--to', 'ops@example.com', '--subject', 'stdin'], { input: 'from stdin\n' })).code).toBe(0);
    expect((await n.cli(['alert', '--to', 'ops@example.com', '--subject', 'html', '--html-file', htmlPath])).code).toBe(0);
    await eventually(() => (smtp.received.length === 2 ? true : undefined), 10_000);
    const bySubject = Object.fromEntries(smtp.received.map((m) => [header(m.raw, 'Subject'), m.raw]));
    expect(bySubject['stdin']).toContain('from stdin');
    expect(bySubject['html']).toContain('<p>disk <b>full</b></p>');
  });

  it('tls:true against a server without STARTTLS: nothing is sent in clear, the message stays deferred with the reason', async () => {
    let authAttempts = 0;
    const smtp = await sink({ starttls: false, extra: { onAuth: (_a, _s, cb) => (authAttempts++, cb(new Error('no'))) } });
    const n = await node('nostarttls', relayConfig('nostarttls', smtp.port, ca));
    expect((await n.cli(['alert', '--to', 'ops@example.com', '--subject', 'secret', '--text', 'x'])).code).toBe(0);
    const listed = await eventually(async () => {
      const r = await n.control.listOutbox();
      return r.entries[0]?.state === 'deferred' ? r.entries[0] : undefined;
    }, 10_000, 'deferred');
    expect(listed.last_error).toMatch(/STARTTLS/i);
    const status = await n.control.status();
    expect(status.outbox?.last_error).toMatch(/STARTTLS/i);
    expect((await n.cli(['status'])).stdout).toMatch(/Last error\s+TLS failed: .*STARTTLS/);
    expect(smtp.received).toEqual([]);
    expect(authAttempts).toBe(0);
  });

  it('keeps every message while the SMTP server is down and delivers them all when it is back', async () => {
    // The server is down (421 to every connection) and comes back on the same port.
    const smtp = await sink();
    smtp.unavailable = true;
    const n = await node('outage', relayConfig('outage', smtp.port, ca));
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await n.control.submit({ to: ['ops@example.com'], subject: `outage ${i}`, text: 'x', kind: 'alert', html: '', idempotency_key: '' })).id);
    }
    // Status says "paused" only while a pause runs (not in the moment a probe is under way between two).
    const down = await eventually(async () => {
      const s = await n.control.status();
      return s.outbox?.last_error.includes('deliveries paused until') ? s : undefined;
    }, 10_000, 'deliveries paused');
    expect(down.outbox?.last_error).toMatch(/421 Service not available.*; deliveries paused until/);
    expect((down.outbox?.queued ?? 0) + (down.outbox?.deferred ?? 0)).toBe(20);
    // A server that cannot be reached pauses the queue: the messages are not failed one by one.
    const attempted = (await n.control.listOutbox()).entries.filter((e) => e.attempts > 0).length;
    expect(attempted).toBeLessThan(20);
    smtp.unavailable = false;
    await eventually(() => (new Set(smtp.received.map((m) => header(m.raw, 'X-Appliance-Mail-Id'))).size === 20 ? true : undefined), 15_000, 'all delivered');
    expect(new Set(smtp.received.map((m) => header(m.raw, 'X-Appliance-Mail-Id')))).toEqual(new Set(ids));
    await eventually(async () => ((await n.control.status()).outbox?.deferred === 0 ? true : undefined), 5_000);
  });

  it('puts a recipient refused with 5xx in the dead letters with the reply; outbox retry requeues it', async () => {
    const smtp = await sink();
    smtp.onRcpt = (address) => (address === 'gone@example.com' ? Object.assign(new Error('5.1.1 <gone@example.com>: mailbox unavailable'), { responseCode: 550 }) : null);
    const n = await node('deadletter', relayConfig('deadletter', smtp.port, ca));
    const id = (await n.cli(['alert', '--to', 'gone@example.com,ok@example.com', '--subject', 'partial', '--text', 'x'])).stdout.trim();
    await eventually(() => smtp.received[0], 10_000, 'delivered to the good one');
    expect(smtp.received[0]?.to).toEqual(['ok@example.com']);
    const dead = await eventually(async () => (await n.control.listOutbox()).entries.find((e) => e.state === 'dead'), 5_000, 'dead letter');
    expect(dead).toMatchObject({ id, to: ['gone@example.com'] });
    expect(dead.last_error).toMatch(/550.*mailbox unavailable/);
    expect((await n.cli(['outbox'])).stdout).toMatch(new RegExp(`${id}\\s+alert\\s+dead\\s+gone@example.com`));
    // All recipients refused: the whole message is a dead letter.
    const allRefused = (await n.cli(['alert', '--to', 'gone@example.com', '--subject', 'all refused', '--text', 'x'])).stdout.trim();
    await eventually(async () => ((await n.control.listOutbox()).entries.find((e) => e.id === allRefused)?.state === 'dead' ? true : undefined), 5_000);
    smtp.onRcpt = () => null;
    const retried = await n.cli(['outbox', 'retry', '--all-dead']);
    expect(retried.stdout).toContain('requeued 2 message(s)');
    await eventually(() => (smtp.received.filter((m) => m.to.includes('gone@example.com')).length === 2 ? true : undefined), 10_000, 'redelivered');
    await eventually(async () => ((await n.control.listOutbox()).entries.length === 0 ? true : undefined), 5_000);
  });

  it('drops a message for good, and says so when the id is unknown', async () => {
    const n = await node('dropper', relayConfig('dropper', REFUSED_PORT, ca));
    const id = (await n.cli(['alert', '--to', 'ops@example.com', '--subject', 'drop me', '--text', 'x'])).stdout.trim();
    expect((await n.cli(['outbox', 'drop', id])).stdout).toBe(`dropped ${id}\n`);
    expect((await n.control.listOutbox()).entries).toEqual([]);
    const again = await n.cli(['outbox', 'drop', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[AM_MESSAGE_UNKNOWN]');
  });

  it('sends the queued messages to the new server after a settings change, at once', async () => {
    const n = await node('moving', relayConfig('moving', REFUSED_PORT, ca, {}));
    for (let i = 0; i < 5; i++) await n.control.submit({ to: ['ops@example.com'], subject: `move ${i}`, text: 'x', kind: 'alert', html: '', idempotency_key: '' });
    await eventually(async () => ((await n.control.status()).outbox?.last_error ? true : undefined), 10_000, 'delivery failed');
    // Slow retries from here on: delivery within a second can only come from the settings change.
    const smtp = await sink();
    await n.edit((c) => {
      c.mailServer.server = `127.0.0.1:${smtp.port}`;
      c.relay = { retryMin: '1m', retryMax: '1h' };
    });
    const start = Date.now();
    await eventually(() => (smtp.received.length === 5 ? true : undefined), 5_000, 'delivered to the new server');
    console.log(`queued messages reached the new server ${Date.now() - start} ms after the edit`);
  });

  it('refuses bad input with the field named, and everything when the server is disabled', async () => {
    const n = await node('picky', relayConfig('picky', REFUSED_PORT, ca));
    const cases: Array<[string[], RegExp]> = [
      [['--to', 'not-an-address', '--subject', 's', '--text', 'x'], /to: 'not-an-address' is not a valid email address.*\[AM_MESSAGE_INVALID\]/],
      [['--to', 'a@example.com', '--subject', 'two\r\nBcc: victim@example.com', '--text', 'x'], /subject: must not contain CR or LF.*\[AM_MESSAGE_INVALID\]/],
      [['--to', 'a@example.com', '--subject', 'big', '--text', 'x'.repeat(20_000)], /more than relay.maxMessageBytes.*\[AM_MESSAGE_TOO_LARGE\]/],
      [['--to', 'a@example.com', '--subject', ' ', '--text', 'x'], /subject: must not be empty/],
    ];
    const before = (await n.control.status()).config?.version;
    await n.edit((c) => (c.relay = { ...c.relay, maxMessageBytes: 10_000 }));
    await eventually(async () => ((await n.control.status()).config?.version !== before ? true : undefined), 3_000, 'edit applied');
    for (const [args, error] of cases) {
      const r = await n.cli(['alert', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(error);
    }
    const kind = await n.control.submit({ to: ['a@example.com'], subject: 's', text: 'x', html: '', kind: 'spam', idempotency_key: '' }).catch((e: Error) => e);
    expect(String(kind)).toMatch(/kind: must be one of alert, digest, appliance, test/);
    expect((await n.control.listOutbox()).entries).toEqual([]);
    await n.edit((c) => (c.mailServer.enabled = false));
    await eventually(async () => ((await n.control.status()).mail_server?.enabled === false ? true : undefined), 3_000);
    const disabled = await n.cli(['alert', '--to', 'a@example.com', '--subject', 's', '--text', 'x']);
    expect(disabled.stderr).toMatch(/the mail server is disabled.*\[AM_MAIL_DISABLED\]/);
  });

  it('an idempotency key queues a message once', async () => {
    const smtp = await sink();
    const n = await node('idem', relayConfig('idem', smtp.port, ca));
    const submit = () => n.control.submit({ to: ['ops@example.com'], subject: 'once', text: 'x', html: '', kind: 'alert', idempotency_key: 'alert-42' });
    const replies = await Promise.all([submit(), submit(), submit()]);
    expect(new Set(replies.map((r) => r.id)).size).toBe(1);
    expect(replies.filter((r) => r.duplicate)).toHaveLength(2);
    // Sent once and nothing left to send: no duplicate can arrive later.
    await eventually(async () => {
      const outbox = (await n.control.status()).outbox;
      return outbox?.sent_since_start === '1' && outbox.queued === 0 && outbox.deferred === 0 ? true : undefined;
    }, 5_000, 'sent once, queue empty');
    expect(smtp.received).toHaveLength(1);
  });

  describe('test-email', () => {
    const steps = (out: string) => out.trim().split('\n').map((l) => l.slice(0, 14).trim());

    it('prints each step and exits 0 when the server accepts the message', async () => {
      const smtp = await sink();
      const n = await node('tester', relayConfig('tester', smtp.port, ca));
      const r = await n.cli(['test-email']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(steps(r.stdout)).toEqual(['ok   settings', 'ok   connect', 'ok   starttls', 'ok   auth', 'ok   message']);
      expect(r.stdout).toMatch(/starttls +upgraded with STARTTLS \(TLS 1\.2 or later\), certificate for localhost issued by appliance-mail test CA, valid until \d{4}-\d\d-\d\d, verified/);
      expect(r.stdout).toMatch(/message +accepted for ops@example\.com: 250/);
      expect(smtp.received[0]?.to).toEqual(['ops@example.com']);
      expect((await n.cli(['test-email', '--to', 'other@example.com'])).code).toBe(0);
      expect(smtp.received[1]?.to).toEqual(['other@example.com']);
      expect((await n.control.status()).outbox?.sent_since_start).toBe('0');
    });

    it('fails at auth with a wrong password', async () => {
      const smtp = await sink();
      const n = await node('badpw', relayConfig('badpw', smtp.port, ca, { password: 'Wrong-Pa55' }));
      const r = await n.cli(['test-email']);
      expect(r.code).toBe(1);
      expect(steps(r.stdout)).toEqual(['ok   settings', 'ok   connect', 'ok   starttls', 'FAIL auth']);
      expect(r.stdout).toMatch(/authentication failed: 535/);
      expect(r.stdout + r.stderr).not.toContain('Wrong-Pa55');
    });

    it('fails at STARTTLS against a server without it', async () => {
      const smtp = await sink({ starttls: false });
      const n = await node('notls', relayConfig('notls', smtp.port, ca));
      const r = await n.cli(['test-email']);
      expect(r.code).toBe(1);
      expect(steps(r.stdout)).toEqual(['ok   settings', 'FAIL starttls']);
      expect(smtp.received).toEqual([]);
    });

    it('fails at connect when the connection is refused', async () => {
      const n = await node('refused', relayConfig('refused', REFUSED_PORT, ca));
      const r = await n.cli(['test-email']);
      expect(r.code).toBe(1);
      expect(steps(r.stdout)).toEqual(['ok   settings', 'FAIL connect', 'fix']);
      expect(r.stdout).toMatch(/cannot connect to 127\.0\.0\.1:1: the connection was refused/);
      expect(r.stdout).toMatch(/fix +nothing accepts connections on that port/);
      expect(r.stdout).not.toMatch(/ECONNREFUSED/);
    });
  });

  afterAll(async () => {
    for (const n of nodes) {
      const text = n.daemon.rawLines.join('\n');
      expect(text).not.toContain(PASSWORD);
    }
  });
});
