/**
 * mailServer.heloName against a real Postfix (Debian's package, a private instance on a loopback
 * port) with `reject_non_fqdn_helo_hostname`, relaying to a test SMTP sink: mail passes with a
 * fully qualified name set and with the default, and with a bare name the test email fails with a
 * hint naming the setting. Postfix refuses the name at RCPT (smtpd_delay_reject, its default), not
 * at EHLO: the hint has to read the reply, not the command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { headerValue } from '../helpers/mail.js';
import { missingPostfix, startPostfix, type PrivatePostfix } from '../helpers/postfix.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const HELO = 'appliance-7.example.com';

describe.skipIf(missingPostfix('the Postfix EHLO name tests'))('mailServer.heloName through a real Postfix with reject_non_fqdn_helo_hostname', () => {
  let sink: SmtpSink;
  let postfix: PrivatePostfix;
  let node: Node;

  beforeAll(async () => {
    sink = await startSmtpSink({ starttls: false });
    postfix = await startPostfix({ relayTo: sink.port, smtpd: ['smtpd_helo_required = yes', 'smtpd_helo_restrictions = reject_non_fqdn_helo_hostname'] });
    const config = baseConfig('helopf', {
      // No AUTH and no TLS: Postfix relays for loopback (mynetworks), as a site's internal relay does.
      mailServer: { enabled: true, server: `127.0.0.1:${postfix.port}`, sender: 'engine@example.com', tls: false, heloName: HELO },
      notifications: { recipients: 'ops@example.com' },
      relay: { retryMin: '200ms', retryMax: '1s' },
    });
    node = await startNode('helopf', config);
  }, 60_000);

  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
    await postfix?.stop();
    await sink?.close();
  });

  const arrived = (subject: RegExp) => eventually(() => sink.received.find((m) => subject.test(headerValue(m.raw, 'Subject') ?? '')), 20_000, `mail ${subject} through Postfix`);

  it('with a fully qualified mailServer.heloName an alert and the test email pass Postfix', async () => {
    const alert = await node.cli(['alert', '--to', 'ops@example.com', '--subject', 'disk full', '--text', 'on /var']);
    expect(alert.code, alert.stderr).toBe(0);
    await arrived(/^disk full$/);
    const test = await node.cli(['test-email']);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    const mail = await arrived(/test email/);
    // Postfix's Received line names the EHLO name it was given.
    expect(headerValue(mail.raw, 'Received')).toMatch(new RegExp(`^from ${HELO.replace(/\./g, '\\.')} \\(localhost \\[127\\.0\\.0\\.1\\]\\)`));
    expect(await postfix.log()).not.toMatch(/Helo command rejected/);
  });

  it('with a bare name the test email fails and its hint names mailServer.heloName, an alert waits; the default name passes and the alert arrives', async () => {
    await node.edit((config) => {
      config.mailServer.heloName = 'vm';
    });
    await eventually(async () => (await node.control.status()).warnings.find((w) => w.includes("EHLO name 'vm'")), 10_000, 'the bare name in force');
    const refused = await node.cli(['test-email']);
    expect(refused.code).not.toBe(0);
    const output = refused.stdout + refused.stderr;
    expect(output).toMatch(/504 5\.5\.2 <vm>: Helo command rejected: need fully-qualified hostname/);
    expect(output).toMatch(/fix +the server refused the name vm \(mailServer\.heloName\) in EHLO \(refused at RCPT TO\): set mailServer\.heloName to this Appliance's fully qualified domain name/);
    // An alert meanwhile is refused the same way at RCPT: the server is paused, the alert kept (no dead letter).
    const held = await node.cli(['alert', '--to', 'held@example.com', '--subject', 'held while refused', '--text', 'kept']);
    expect(held.code, held.stderr).toBe(0);
    await eventually(async () => ((await postfix.log()).includes('to=<held@example.com> proto=ESMTP helo=<vm>') ? true : undefined), 20_000, 'Postfix refusing the alert');
    await node.edit((config) => {
      delete config.mailServer.heloName;
    });
    await eventually(async () => ((await node.control.status()).warnings.some((w) => w.includes('EHLO name')) ? undefined : true), 10_000, 'the default name in force');
    const before = sink.received.length;
    const passed = await node.cli(['test-email']);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    await eventually(() => sink.received.slice(before).find((m) => /test email/.test(headerValue(m.raw, 'Subject') ?? '')), 20_000, 'the test email with the default name');
    await arrived(/^held while refused$/);
  });
});
