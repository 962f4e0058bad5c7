/**
 * The pure parts of the doors that take whole messages: sendmail's command line, whole messages
 * into submissions (who gets which copy, local names, what is refused), the config rule that
 * keeps the port on loopback, and the journald priority of each log level.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { LiveConfig } from '../../src/config/live-config.js';
import type { AppError } from '../../src/errors/registry.js';
import { createLogger } from '../../src/log/logger.js';
import { validateSubmission, type Intake, type Submission } from '../../src/relay/intake.js';
import type { EffectiveSettings } from '../../src/config/effective.js';
import { createRawIntake, type RawSubmission } from '../../src/submission/raw-intake.js';
import { cutAtDotLine, parseSendmailArgs } from '../../src/submission/sendmail-args.js';
import { watchdogIntervalMs } from '../../src/systemd/readiness.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as AppError).code;
  }
  return 'no error';
}

async function codeOfAsync(run: () => Promise<unknown>): Promise<string> {
  return run().then(
    () => 'no error',
    (err: unknown) => (err as AppError).code,
  );
}

describe('sendmail command line', () => {
  it('takes what cron, mailx, smartd and mdadm pass', () => {
    expect(parseSendmailArgs(['-FCronDaemon', '-i', '-B8BITMIME', '-oem', 'root'])).toMatchObject({ ignoreDots: true, fullName: 'CronDaemon', recipients: ['root'], recipientsFromHeaders: false });
    expect(parseSendmailArgs(['-i', '-t'])).toMatchObject({ ignoreDots: true, recipientsFromHeaders: true, recipients: [] });
    expect(parseSendmailArgs(['-oi', '-odi', '-oee', '-bm', '-v', '-N', 'never', '-Rhdrs', '-em', '-f', 'smartd@host', '--', 'a@example.com,b@example.com'])).toMatchObject({
      ignoreDots: true,
      sender: 'smartd@host',
      recipients: ['a@example.com', 'b@example.com'],
    });
    expect(parseSendmailArgs(['-ti', '--config', '/etc/x.json'])).toMatchObject({ recipientsFromHeaders: true, ignoreDots: true, config: '/etc/x.json' });
  });

  it('refuses other modes, unknown flags, a flag without its value and no recipients, with a usage error', () => {
    for (const argv of [['-bp'], ['-bs'], ['-q'], ['-Z', 'a@example.com'], ['a@example.com', '-f'], [], ['-i']]) {
      expect(codeOf(() => parseSendmailArgs(argv)), argv.join(' ')).toBe('AM_USAGE');
    }
  });

  it('without -i a line with a single dot ends the message', () => {
    const message = Buffer.from('Subject: x\n\nkept\n.\nnot kept\n');
    expect(cutAtDotLine(message, false).toString()).toBe('Subject: x\n\nkept\n');
    expect(cutAtDotLine(message, true).toString()).toBe(message.toString());
    expect(cutAtDotLine(Buffer.from('a\r\n..\r\nb\r\n.\r\n'), false).toString()).toBe('a\r\n..\r\nb\r\n');
  });
});

describe('whole messages into submissions', () => {
  function setup(recipients: string[] = ['ops@example.com', 'oncall@example.com'], maxMessageBytes = 10_000, localRecipients: Record<string, string[]> = {}) {
    const submitted: Submission[] = [];
    // The real validation, without an outbox: what the intake would refuse is refused here too.
    const intake: Intake = {
      async submit(submission) {
        validateSubmission(submission, maxMessageBytes);
        submitted.push(submission);
        return { id: `id-${submitted.length}`, duplicate: false };
      },
    };
    const config = { current: () => ({ relay: { maxMessageBytes }, node: { name: 'db-1' }, notifications: { localRecipients } }) } as unknown as LiveConfig;
    const effective = { current: () => ({ recipients, source: 'config file test', mailServer: { sender: 'appliance@example.com' } }) } as unknown as EffectiveSettings;
    const created = createRawIntake({ config, effective, intake });
    // As the submission port calls it: its caller is the client's address.
    const raw = { ...created, submit: (input: RawSubmission) => created.submit(input, { door: 'port', client: '127.0.0.1' }) };
    return { raw, submitted };
  }
  const message = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));
  const stored = (submission: Submission | undefined) => submission!.raw!.bytes.toString('latin1');

  it('one copy for every recipient, shown or hidden: Bcc never leaves, the headers are the sender\'s own', async () => {
    const { raw, submitted } = setup();
    const ids = await raw.submit({
      raw: message('To: a@example.com\nCc: "C" <c@example.com>\nBcc: h1@example.com\nSubject: s\n\nbody\n'),
      recipients: ['h2@example.com'],
      recipientsFromHeaders: true,
    });
    expect(ids).toEqual(['id-1']);
    expect(submitted.map((s) => s.to)).toEqual([['h2@example.com', 'a@example.com', 'c@example.com', 'h1@example.com']]);
    expect(submitted[0]).toMatchObject({ subject: 's', kind: 'appliance' });
    expect(stored(submitted[0])).toMatch(/^Received: by db-1 \(appliance-mail\) with local; .*\r\nTo: a@example.com\r\nCc: "C" <c@example.com>\r\nSubject: s\r\nDate: .*\r\nAuto-Submitted: auto-generated\r\n\r\nbody\r\n$/s);
    expect(stored(submitted[0])).not.toContain('h1@example.com');
  });

  it('local names go to notifications.recipients, or to notifications.localRecipients for that name; one address gets one copy', async () => {
    const { raw, submitted } = setup(undefined, undefined, { backup: ['backup-team@example.com'] });
    await raw.submit({ raw: message('To: root\nSubject: Cron <root@host> job\n\nout\n'), recipients: ['root', 'ops@example.com', 'postmaster@localhost', 'root@DB-1'], recipientsFromHeaders: false });
    expect(submitted.map((s) => s.to)).toEqual([['ops@example.com', 'oncall@example.com']]);
    await raw.submit({ raw: message('Subject: x\n\nout\n'), recipients: ['Backup@localhost'], recipientsFromHeaders: false });
    expect(submitted[1]!.to).toEqual(['backup-team@example.com']);
    // A name at another domain is an address like any other.
    await raw.submit({ raw: message('Subject: x\n\nout\n'), recipients: ['root@example.net'], recipientsFromHeaders: false });
    expect(submitted[2]!.to).toEqual(['root@example.net']);
    const { raw: none } = setup([]);
    await expect(none.submit({ raw: message('Subject: x\n\nout\n'), recipients: ['root@localhost'], recipientsFromHeaders: false })).rejects.toMatchObject({
      code: 'AM_RECIPIENT_INVALID',
      message: expect.stringContaining('notifications.recipients'),
    });
  });

  it('refuses what it must not send, each with its code, and queues none of it', async () => {
    const { raw, submitted } = setup(undefined, 2048);
    const submit = (text: string, recipients = ['a@example.com']) => codeOfAsync(() => raw.submit({ raw: message(text), recipients, recipientsFromHeaders: false }));
    expect(await submit(`Subject: x\n\n${'y'.repeat(3000)}\n`)).toBe('AM_MESSAGE_TOO_LARGE');
    expect(await submit('Subject: =?utf-8?q?x=0D=0ABcc:_e@evil.example?=\n\nbody\n')).toBe('AM_MESSAGE_INVALID');
    expect(await submit('Subject: x\n\nbody\n', [])).toBe('AM_RECIPIENT_INVALID');
    expect(await submit('Subject: x\n\nbody\n', ['a@example.com\r\nBcc: e@evil.example'])).toBe('AM_RECIPIENT_INVALID');
    expect(submitted).toEqual([]);
    expect(codeOf(() => raw.checkRecipient('not an address'))).toBe('AM_RECIPIENT_INVALID');
  });

  it('carries attachments and inline images as they came, names a missing subject, and keys a message by its Message-ID', async () => {
    const { raw, submitted } = setup();
    const body =
      'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>firing <img src="cid:logo"></p>\n--b\nContent-Type: image/png\nContent-ID: <logo>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=r.pdf\n\nAAAA\n--b--\n';
    await raw.submit({ raw: message(`Message-ID: <m1@grafana>\n${body}`), recipients: ['a@example.com'], recipientsFromHeaders: false });
    await raw.submit({ raw: message(`Message-ID: <m1@grafana>\n${body}`), recipients: ['a@example.com'], recipientsFromHeaders: false });
    expect(submitted[0]).toMatchObject({ subject: '(no subject)', text: '', html: '', raw: { hasMessageId: true } });
    expect(stored(submitted[0]).endsWith(message(body.slice(body.indexOf('\n\n') + 2)).toString('latin1'))).toBe(true);
    expect(submitted[0]!.idempotencyKey).toMatch(/^message-id:[0-9a-f]{64}$/);
    expect(submitted[1]!.idempotencyKey).toBe(submitted[0]!.idempotencyKey);
    await raw.submit({ raw: message('Subject: no id\n\nbody\n'), recipients: ['a@example.com'], recipientsFromHeaders: false });
    expect(submitted[2]).toMatchObject({ idempotencyKey: '', raw: { hasMessageId: false } });
  });
});

describe('submission.listen', () => {
  const config = (submission: unknown) =>
    JSON.stringify({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: false }, submission });

  it('is off unless set, and accepts loopback addresses', () => {
    expect(parseConfig(config(undefined), '/c.json').submission).toEqual({
      listen: null,
      allowNonLoopback: false,
      limits: { connectionsPerMinute: 120, messagesPerMinute: 120, bytesPerMinute: 50 * 1024 * 1024, concurrentConnections: 10 },
      dropFolder: '/var/spool/appliance-mail',
    });
    for (const listen of ['127.0.0.1:2525', '[::1]:25', 'localhost:2525', '127.0.0.2:25']) {
      expect(parseConfig(config({ listen }), '/c.json').submission.listen).toBe(listen);
    }
  });

  it('refuses a non-loopback address unless allowNonLoopback says so', () => {
    expect(codeOf(() => parseConfig(config({ listen: '0.0.0.0:25' }), '/c.json'))).toBe('AM_CONFIG_INVALID');
    expect(() => parseConfig(config({ listen: '10.0.0.5:25' }), '/c.json')).toThrow(/submission\.listen: '10\.0\.0\.5' is not a loopback address.*submission\.allowNonLoopback/);
    expect(parseConfig(config({ listen: '0.0.0.0:25', allowNonLoopback: true }), '/c.json').submission.listen).toBe('0.0.0.0:25');
  });
});

describe('systemd and journald', () => {
  it('prefixes each level with its syslog priority, and the rest of the line is the JSON object', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
        done();
      },
    });
    const log = createLogger({ level: 'trace', journald: true, destination: destination as never });
    log.fatal('f');
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
    log.trace('t');
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['<2>', '<3>', '<4>', '<6>', '<7>', '<7>']);
    expect(lines.map((l) => (JSON.parse(l.slice(3)) as { msg: string }).msg)).toEqual(['f', 'e', 'w', 'i', 'd', 't']);
    const plain: string[] = [];
    createLogger({ destination: { write: (s: string) => void plain.push(s) } }).info('x');
    expect(plain[0]!.startsWith('{"level":"info"')).toBe(true);
  });

  it('pings the watchdog at half its timeout, only when it is meant for this process', () => {
    expect(watchdogIntervalMs({})).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' })).toBe(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: String(process.pid) })).toBe(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '1' })).toBeNull();
  });
});
