/**
 * One schema for the mail settings, seen from both doors: each class of bad settings is sent
 * over the wire by a stand-in primary (real grpc-js, TLS) to a real secondary daemon, which must
 * refuse it (NACK, with the reason) in exactly the words the config loader uses for the same
 * value in a file. Then the opt-in to AUTH without TLS travels too, and status warns about it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type ConfigIssue } from '../../src/config/load.js';
import { AppError } from '../../src/errors/registry.js';
import { encodeSettings } from '../../src/federation/settings-wire.js';
import type { SettingsUpdate } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { baseConfig, eventually, tempDir } from '../helpers/daemon.js';
import { startFakePrimary, type FakePrimary } from '../helpers/fake-primary.js';
import { startNode, type Node } from '../helpers/fleet.js';

const PASSWORD = 'Wire-Pa55word!';
const NOT_PEM = 'this is not a certificate\n';

/** The same good settings as a config file's sections and as the primary would publish them. */
function goodFile(): Record<string, any> {
  return {
    node: { name: 'file-twin', role: 'secondary', stateDir: './state' },
    mailServer: { enabled: true, server: '127.0.0.1:9', sender: 'alerts@example.com', username: 'mailer', password: PASSWORD, tls: true },
    notifications: { recipients: 'ops@example.com' },
  };
}
function goodUpdate(version: number): SettingsUpdate & { mail_server: NonNullable<SettingsUpdate['mail_server']> } {
  const update = encodeSettings(
    version,
    {
      mailServer: { enabled: true, host: '127.0.0.1', port: 9, sender: 'alerts@example.com', username: 'mailer', password: PASSWORD, tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
      recipients: ['ops@example.com'],
      portalAddress: null,
    },
    'fake-primary',
  );
  return update as SettingsUpdate & { mail_server: NonNullable<SettingsUpdate['mail_server']> };
}

interface Case {
  name: string;
  file: (c: Record<string, any>) => void;
  wire: (u: ReturnType<typeof goodUpdate>) => void;
  /** The field as the wire names it, when the file names it otherwise (a file vs its text). */
  wirePath?: string;
}

describe('bad settings are refused alike from a file and from the primary', () => {
  let primary: FakePrimary;
  let secondary: Node;
  let notPemFile: string;

  beforeAll(async () => {
    primary = await startFakePrimary();
    notPemFile = join(await tempDir('am-notpem-'), 'ca.pem');
    await writeFile(notPemFile, NOT_PEM);
    secondary = await startNode('wire-secondary', baseConfig('wire-secondary', { node: { name: 'wire-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    const joined = await secondary.cli(['join', '--primary', primary.address, '--token', primary.token, '--centralize']);
    expect(joined.code, joined.stderr).toBe(0);
    await primary.watching();
    primary.send(goodUpdate(1));
    expect(await primary.ackOrNack(1)).toMatchObject({ stage: 'applied', error: '' });
  });

  afterAll(async () => {
    secondary?.control.close();
    await secondary?.daemon.stop();
    await primary?.close();
  });

  const cases: Case[] = [
    { name: 'a bad host', file: (c) => (c.mailServer.server = 'bad_host!.example.com'), wire: (u) => (u.mail_server.host = 'bad_host!.example.com') },
    { name: 'a port out of range', file: (c) => (c.mailServer.server = '127.0.0.1:70000'), wire: (u) => (u.mail_server.port = 70000) },
    { name: 'enabled without a server', file: (c) => delete c.mailServer.server, wire: (u) => ((u.mail_server.host = ''), (u.mail_server.port = 0)) },
    { name: 'enabled without a sender', file: (c) => delete c.mailServer.sender, wire: (u) => (u.mail_server.sender = '') },
    { name: 'a bad sender', file: (c) => (c.mailServer.sender = 'alerts@'), wire: (u) => (u.mail_server.sender = 'alerts@') },
    { name: 'CR/LF in the username', file: (c) => (c.mailServer.username = 'mailer\r\nRSET'), wire: (u) => (u.mail_server.username = 'mailer\r\nRSET') },
    { name: 'CR/LF in the password', file: (c) => (c.mailServer.password = 'pw\r\nRSET'), wire: (u) => (u.mail_server.password = 'pw\r\nRSET') },
    { name: 'a password without a username', file: (c) => delete c.mailServer.username, wire: (u) => (u.mail_server.username = '') },
    { name: 'a CA that is not PEM', file: (c) => (c.mailServer.caFile = notPemFile), wire: (u) => (u.mail_server.ca_pem = NOT_PEM), wirePath: 'mailServer.caPem' },
    {
      name: 'a bad recipient',
      file: (c) => (c.notifications.recipients = 'ops@example.com, nobody'),
      wire: (u) => (u.recipients = ['ops@example.com', 'nobody']),
      wirePath: 'recipients',
    },
    { name: 'AUTH without TLS', file: (c) => (c.mailServer.tls = false), wire: (u) => (u.mail_server.tls = false) },
  ];

  it.each(cases.map((c, i) => [c.name, c, i + 2] as const))('%s', async (_name, testCase, version) => {
    const file = goodFile();
    testCase.file(file);
    const fileIssues = issuesOf(JSON.stringify(file));
    expect(fileIssues).toHaveLength(1);
    const [fileIssue] = fileIssues as [ConfigIssue];

    const update = goodUpdate(version);
    testCase.wire(update);
    primary.send(update);
    const report = await primary.ackOrNack(version);
    expect(report.stage).toBe('rejected');
    expect(report.error).toBe(`${testCase.wirePath ?? fileIssue.path}: ${fileIssue.message}`);
    expect(report.error).not.toContain(PASSWORD);
    // Nothing of it was applied: the node keeps version 1.
    expect((await secondary.control.status()).federation?.applied_version).toBe('1');
  });

  it('applies AUTH without TLS when the primary opted in, and warns in status while it is on', async () => {
    const file = goodFile();
    file.mailServer.tls = false;
    file.mailServer.allowPlaintextAuth = true;
    expect(parseConfig(JSON.stringify(file), '/etc/appliance-mail/config.json').mailServer.allowPlaintextAuth).toBe(true);

    const version = cases.length + 2;
    const update = goodUpdate(version);
    update.mail_server.tls = false;
    update.mail_server.allow_plaintext_auth = true;
    primary.send(update);
    expect(await primary.ackOrNack(version)).toMatchObject({ stage: 'applied', error: '' });
    const status = await eventually(async () => {
      const s = await secondary.control.status();
      return s.federation?.applied_version === String(version) ? s : undefined;
    }, 5_000, 'opt-in applied');
    expect(status.warnings.join('\n')).toMatch(/allowPlaintextAuth is on and tls is false: the SMTP username and password cross the network to 127\.0\.0\.1:9 in clear/);
  });
});

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, '/etc/appliance-mail/config.json');
  } catch (err) {
    expect((err as AppError).code).toBe('AM_CONFIG_INVALID');
    return (err as AppError).details['issues'] as ConfigIssue[];
  }
  throw new Error('expected the config file to be refused');
}
