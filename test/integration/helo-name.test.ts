/**
 * mailServer.heloName on the wire: a real SMTP server on loopback records the EHLO name of the
 * daemon's deliveries and of its test email, and the domain of their Message-IDs; a bare name set
 * live earns a status warning, and the default is fully qualified.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Helo-Pa55word!';
const HELO = 'appliance-7.example.com';

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();

describe('mailServer.heloName', () => {
  let smtp: SmtpSink;
  let node: Node;
  /** The name each SMTP session gave in EHLO, in order, as the server saw it. */
  const ehlo: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink({
      users: { mailer: PASSWORD },
      extra: {
        onMailFrom(_address, session, callback) {
          ehlo.push(session.hostNameAppearsAs);
          callback();
        },
      },
    });
    const ca = join(await tempDir('am-ca-'), 'ca.pem');
    await writeFile(ca, smtp.caPem);
    node = await startNode(
      'helo',
      baseConfig('helo', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca, heloName: HELO },
        relay: { retryMin: '200ms', retryMax: '1s' },
      }),
    );
  });

  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
    await smtp?.close();
  });

  it('a delivery says EHLO with it and its Message-ID ends in it', async () => {
    const submitted = await node.cli(['alert', '--to', 'ops@example.com', '--subject', 'disk full', '--text', 'on /var']);
    expect(submitted.code).toBe(0);
    const mail = await eventually(() => smtp.received.find((m) => header(m.raw, 'Subject') === 'disk full'), 10_000, 'delivery');
    expect(header(mail.raw, 'Message-ID')).toMatch(new RegExp(`^<[^@>]+@${HELO.replace(/\./g, '\\.')}>$`));
    expect(ehlo).toEqual([HELO]);
  });

  it('the test email says EHLO with it, shows it in its step, and its Message-ID ends in it', async () => {
    const result = await node.cli(['test-email']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`greeting and EHLO ${HELO} accepted`);
    const mail = await eventually(() => smtp.received.find((m) => /test email/.test(header(m.raw, 'Subject') ?? '')), 10_000, 'test email');
    expect(header(mail.raw, 'Message-ID')).toMatch(new RegExp(`@${HELO.replace(/\./g, '\\.')}>$`));
    expect(ehlo.at(-1)).toBe(HELO);
  });

  it('status warns while the name is not fully qualified, and the default has a dot', async () => {
    expect((await node.control.status()).warnings.join('\n')).not.toMatch(/EHLO name/);
    await node.edit((config) => {
      config.mailServer.heloName = 'vm';
    });
    const warning = await eventually(async () => (await node.control.status()).warnings.find((w) => w.includes('EHLO name')), 5_000, 'the warning');
    expect(warning).toMatch(/'vm' is not fully qualified.*mailServer\.heloName/);
    await node.edit((config) => {
      delete config.mailServer.heloName;
    });
    await eventually(async () => ((await node.control.status()).warnings.some((w) => w.includes('EHLO name')) ? undefined : true), 5_000, 'the warning gone');
    const before = ehlo.length;
    expect((await node.cli(['test-email'])).code).toBe(0);
    expect(ehlo.slice(before)).toEqual([expect.stringMatching(/\./)]);
  });
});
