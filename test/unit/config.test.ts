import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AppError } from '../../src/errors/registry.js';
import { parseConfig, type ConfigIssue } from '../../src/config/load.js';

const FILE = '/etc/appliance-mail/config.json';

function valid(): Record<string, any> {
  return {
    node: { name: 'appliance-1', role: 'primary', stateDir: '/var/lib/appliance-mail' },
    mailServer: { enabled: true, server: 'smtp.example.com:587', sender: 'alerts@example.com', username: 'u', password: 'pw', tls: true },
    notifications: { recipients: 'a@example.com, b@example.com' },
    portal: { address: 'portal.example.com' },
    federation: { listen: '0.0.0.0:7443' },
    control: { socket: '/run/appliance-mail/control.sock' },
  };
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('AM_CONFIG_INVALID');
    expect((err as AppError).message).toContain(FILE);
    return (err as AppError).details['issues'] as ConfigIssue[];
  }
  throw new Error('expected the config to be refused');
}

function mutate(edit: (c: Record<string, any>) => void): string {
  const c = valid();
  edit(c);
  return JSON.stringify(c);
}

describe('parseConfig', () => {
  it('resolves a valid config, with defaults, frozen', () => {
    const config = parseConfig(JSON.stringify(valid()), FILE);
    expect(config.mailServer).toMatchObject({ host: 'smtp.example.com', port: 587, tls: true });
    expect(config.notifications.recipients).toEqual(['a@example.com', 'b@example.com']);
    expect(config.relay.maxAgeMs).toBe(5 * 86_400_000);
    expect(config.control.socketMode).toBe(0o660);
    expect(Object.isFrozen(config.mailServer)).toBe(true);
    expect(config.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('resolves relative paths against the config file folder', () => {
    const c = valid();
    c.node.stateDir = './state';
    c.control.socket = '../run/x.sock';
    const config = parseConfig(JSON.stringify(c), FILE);
    expect(config.node.stateDir).toBe('/etc/appliance-mail/state');
    expect(config.control.socket).toBe('/etc/run/x.sock');
  });

  const invalidEdits: Array<[string, string, string, RegExp]> = [
    ['bad JSON', '{"node": ', '', /not valid JSON/],
    ['an unknown key', mutate((c) => (c.mailServer.hostname = 'x')), 'mailServer', /hostname/],
    ['a wrong type', mutate((c) => (c.mailServer.enabled = 'yes')), 'mailServer.enabled', /boolean/],
    ['a port out of range', mutate((c) => (c.mailServer.server = 'smtp.example.com:70000')), 'mailServer.server', /out of range/],
    ['an IPv6 server without brackets', mutate((c) => (c.mailServer.server = '2001:db8::1')), 'mailServer.server', /brackets/],
    ['a bad sender', mutate((c) => (c.mailServer.sender = 'alerts@')), 'mailServer.sender', /email/],
    ['a bad recipient', mutate((c) => (c.notifications.recipients = 'a@example.com, nobody')), 'notifications.recipients', /'nobody'/],
    ['a missing required section', mutate((c) => delete c.mailServer), 'mailServer', /expected object/],
    ['a missing server while enabled', mutate((c) => delete c.mailServer.server), 'mailServer.server', /required/],
    ['an unknown role', mutate((c) => (c.node.role = 'master')), 'node.role', /primary/],
    ['a bad node name', mutate((c) => (c.node.name = 'a b')), 'node.name', /letters/],
    ['password and passwordFile together', mutate((c) => (c.mailServer.passwordFile = 'x')), 'mailServer.passwordFile', /not both/],
    ['a password without a username', mutate((c) => delete c.mailServer.username), 'mailServer.username', /required/],
    ['a CR/LF in the username', mutate((c) => (c.mailServer.username = 'u\r\nX: y')), 'mailServer.username', /CR, LF/],
    ['AUTH without TLS and without the opt-in', mutate((c) => (c.mailServer.tls = false)), 'mailServer.username', /in clear: set tls true, or allowPlaintextAuth true/],
    ['a listen address without a port', mutate((c) => (c.federation.listen = '0.0.0.0')), 'federation.listen', /port is required/],
    ['a secondary that listens', mutate((c) => (c.node.role = 'secondary')), 'federation.listen', /only a primary/],
    ['a bad portal address', mutate((c) => (c.portal.address = 'https://portal example')), 'portal.address', /DNS name/],
    ['a bad duration', mutate((c) => (c.relay = { maxAge: '5 days' })), 'relay.maxAge', /duration/],
    ['a bad socket mode', mutate((c) => (c.control.socketMode = '0999')), 'control.socketMode', /octal/],
    ['an unknown log level', mutate((c) => (c.log = { level: 'loud' })), 'log.level', /info/],
  ];

  it.each(invalidEdits)('refuses %s, naming the field', (_kind, text, path, reason) => {
    const issues = issuesOf(text);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(reason);
  });

  it('names an unknown key that looks like a setting, never one that may be a pasted secret', () => {
    const issues = issuesOf(mutate((c) => {
      c.mailServer.pasword = 'x';
      c.mailServer['Sup3r-Secret pw!'] = true;
    }));
    const issue = issues.find((i) => i.path === 'mailServer');
    expect(issue?.message).toBe('unknown keys: "pasword", 1 key(s) that are no setting name (not shown: they may be secrets)');
    expect(JSON.stringify(issues)).not.toContain('Sup3r');
  });

  it('accepts AUTH without TLS only with allowPlaintextAuth', () => {
    const c = valid();
    c.mailServer.tls = false;
    c.mailServer.allowPlaintextAuth = true;
    expect(parseConfig(JSON.stringify(c), FILE).mailServer).toMatchObject({ tls: false, allowPlaintextAuth: true, username: 'u' });
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(mutate((c) => {
      c.mailServer.sender = 'x';
      c.node.role = 'boss';
      c.federation.listen = 'nowhere';
    }));
    expect(issues.map((i) => i.path).sort()).toEqual(['federation.listen', 'mailServer.sender', 'node.role']);
  });

  it('keeps room for alerts: the shares of the capped doors add up to at most 0.9; client limits are positive', () => {
    expect(parseConfig(mutate((c) => (c.relay = { shares: { submissionPort: 0.5, sendmail: 0.2, digests: 0.2 } })), '/c.json').relay.shares).toEqual({ submissionPort: 0.5, sendmail: 0.2, digests: 0.2 });
    const issues = issuesOf(mutate((c) => {
      c.relay = { shares: { submissionPort: 0.5, sendmail: 0.3, digests: 0.2 } };
      c.submission = { limits: { messagesPerMinute: 0 } };
    }));
    expect(issues.map((i) => i.path).sort()).toEqual(['relay.shares', 'submission.limits.messagesPerMinute']);
    expect(issues.find((i) => i.path === 'relay.shares')?.message).toMatch(/add up to more than 0\.9.*kept for alerts/);
  });

  it('never echoes the password in an error', () => {
    const text = mutate((c) => {
      c.mailServer.password = 'Hunter2-Secret';
      c.mailServer.tls = 'Hunter2-Secret';
    });
    try {
      parseConfig(text, FILE);
    } catch (err) {
      expect(JSON.stringify({ m: (err as Error).message, d: (err as AppError).details })).not.toContain('Hunter2');
      return;
    }
    throw new Error('expected an error');
  });

  it('reads passwordFile, trimming one trailing newline, and names it when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-cfg-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    const c = valid();
    delete c.mailServer.password;
    c.mailServer.passwordFile = 'pw';
    expect(parseConfig(JSON.stringify(c), join(dir, 'config.json')).mailServer.password).toBe('from-file');
    c.mailServer.passwordFile = 'missing';
    try {
      parseConfig(JSON.stringify(c), join(dir, 'config.json'));
      throw new Error('expected an error');
    } catch (err) {
      expect((err as AppError).details['issues']).toEqual([{ path: 'mailServer.passwordFile', message: expect.stringContaining('ENOENT') }]);
    }
  });
});
