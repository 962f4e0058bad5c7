/**
 * What an operator found missing when trying the federation, with real daemons (a primary, a
 * centralized and a local secondary) over real gRPC/TLS and a real SMTP server: the primary's
 * Portal address reaches centralized nodes' digests; each node shows its own check of its
 * settings; `token create` prints a join command that works as pasted; tokens are listed and
 * deleted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseToken } from '../../src/federation/secrets.js';
import type { StatusReply__Output } from '../../src/generated/appliance_mail/control/v1/StatusReply.js';
import { baseConfig, eventually, runCli, tempDir, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { headerValue, partText } from '../helpers/mail.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp.js';
import example from '../../config/digest-example.json' with { type: 'json' };

const PASSWORD = 'Gaps-Secret-Pa55!';

describe('federation gaps', () => {
  let smtp: SmtpSink;
  let primary: Node;
  let central: Node;
  let local: Node;

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    const caDir = await tempDir('am-gaps-ca-');
    await writeFile(join(caDir, 'ca.pem'), smtp.caPem);
    primary = await startNode(
      'gaps-primary',
      baseConfig('gaps-primary', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(caDir, 'ca.pem') },
        portal: { address: 'portal.primary.example.com' },
        federation: { listen: '127.0.0.1:0' },
      }),
    );
    const secondary = (name: string): Json =>
      baseConfig(name, {
        node: { name, role: 'secondary', stateDir: './state' },
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: `${name}@example.com`, username: 'mailer', password: PASSWORD, tls: true, caFile: join(caDir, 'ca.pem') },
        portal: { address: `own-portal.${name}.example.com` },
      });
    [central, local] = await Promise.all([startNode('gaps-central', secondary('gaps-central')), startNode('gaps-local', secondary('gaps-local'))]);
  });

  afterAll(async () => {
    for (const node of [primary, central, local].filter(Boolean)) {
      node.control.close();
      await node.daemon.stop();
    }
    await smtp?.close();
  });

  const status = (node: Node) => node.control.status();
  const until = <T>(node: Node, what: string, test: (s: StatusReply__Output) => T | undefined, timeoutMs = 15_000) =>
    eventually(async () => test(await status(node)), timeoutMs, `${node.name}: ${what}`);

  describe('token create prints a join command that works as pasted', () => {
    it('names the bound address, and federation.advertise once set', async () => {
      const created = await primary.cli(['token', 'create']);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(created.stderr).not.toContain('THIS-HOST');
      const command = /^\s+(appliance-mail join .*)$/m.exec(created.stderr)?.[1];
      expect(command).toBe(`appliance-mail join --primary 127.0.0.1:${primary.federationPort} --token ${token} --centralize`);
      expect((await status(primary)).federation?.join_address).toBe(`127.0.0.1:${primary.federationPort}`);

      // Pasted on the secondary as printed (the program name is the CLI's).
      const args = command!.split(' ').slice(1);
      const joined = await central.cli(args);
      expect(joined.code, joined.stderr).toBe(0);
      expect(joined.stdout).toBe(`joined 127.0.0.1:${primary.federationPort}; mode centralized\n`);

      // Behind a NAT or a name: the advertise address, with the bound port unless it names one.
      const version = (await status(primary)).config?.version;
      await primary.edit((c) => (c.federation.advertise = 'mail-primary.example.net'));
      await until(primary, 'advertise applied', (s) => (s.config?.version !== version ? true : undefined), 5_000);
      const advertised = await primary.cli(['token', 'create', '--print-join-command']);
      expect(advertised.code, advertised.stderr).toBe(0);
      expect(advertised.stdout).toMatch(new RegExp(`^appliance-mail join --primary mail-primary\\.example\\.net:${primary.federationPort} --token amj1\\.\\S+ --centralize\\n$`));
      expect((await primary.cli(['status'])).stdout).toMatch(new RegExp(`Join address\\s+mail-primary\\.example\\.net:${primary.federationPort}`));
      await primary.edit((c) => delete c.federation.advertise);
    });

    it('a secondary may not carry federation.advertise', async () => {
      const file = join(local.dir, 'bad.json');
      await writeFile(file, JSON.stringify({ ...local.config, federation: { advertise: 'x.example.com' } }));
      const checked = await runCli(['validate', '--config', file]);
      expect(checked.code).not.toBe(0);
      expect(checked.stderr).toContain('federation.advertise: only a primary is dialled by secondaries');
    });
  });

  describe('token list and token delete, as kubeadm', () => {
    it('lists each token with its state and who used it, never the secret', async () => {
      const created = await primary.cli(['token', 'create', '--ttl', '2h']);
      const fresh = parseToken(created.stdout.trim());
      const listed = await primary.cli(['token', 'list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/^ID\s+CREATED\s+EXPIRES\s+STATE$/m);
      expect(listed.stdout).toMatch(/used by gaps-central .* ago/);
      expect(listed.stdout).toMatch(new RegExp(`^${fresh.id}\\s+\\S+ ago\\s+in 1h59m\\s+usable$`, 'm'));
      const json = await primary.cli(['token', 'list', '--json']);
      const tokens = JSON.parse(json.stdout).tokens as Array<Record<string, string>>;
      expect(tokens.find((t) => t['id'] === fresh.id)).toMatchObject({ state: 'usable', used_by: '' });
      expect(tokens.filter((t) => t['used_by'] === 'gaps-central')).toHaveLength(1);
      for (const text of [listed.stdout, json.stdout]) {
        expect(text).not.toContain(fresh.secret);
        expect(text).not.toMatch(/amj1\./);
      }
    });

    it('a deleted token admits nobody; an unknown id is refused with its code', async () => {
      const token = (await primary.cli(['token', 'create'])).stdout.trim();
      const deleted = await primary.cli(['token', 'delete', parseToken(token).id]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(deleted.stdout).toBe(`deleted token ${parseToken(token).id}\n`);
      expect((await primary.cli(['token', 'list'])).stdout).not.toContain(parseToken(token).id);
      const refused = await local.cli(['join', '--primary', `127.0.0.1:${primary.federationPort}`, '--token', token]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('[AM_TOKEN_INVALID]');
      // The whole token as printed names it too.
      const other = (await primary.cli(['token', 'create'])).stdout.trim();
      expect((await primary.cli(['token', 'delete', other])).code).toBe(0);
      const unknown = await primary.cli(['token', 'delete', 'deadbeef']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no join token with id 'deadbeef'.*\[AM_TOKEN_UNKNOWN\]/);
      // On a secondary there are no tokens to list.
      expect((await central.cli(['token', 'list'])).stderr).toContain('[AM_NOT_PRIMARY]');
    });
  });

  describe("the Portal lives on the primary: a centralized node's digests link there", () => {
    async function digestFrom(node: Node): Promise<ReceivedMail> {
      const file = join(node.dir, `digest-${Date.now()}.json`);
      await writeFile(file, JSON.stringify(example));
      const r = await node.cli(['digest', '--file', file]);
      expect(r.code, r.stderr).toBe(0);
      const id = r.stdout.trim();
      return eventually(() => smtp.received.find((m) => headerValue(m.raw, 'X-Appliance-Mail-Id') === id), 10_000, `digest ${id}`);
    }
    const linkHosts = (mail: ReceivedMail) => [...new Set([...partText(mail.raw, 'text/html').matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!).host))];

    beforeAll(async () => {
      await joinNode(primary, local, primary.federationPort, false);
    });

    it("the centralized secondary links to the primary's portal.address; the local one to its own", async () => {
      await until(central, 'settings applied', (s) => (s.settings_source.includes('version') && s.mail_server?.sender === 'primary@example.com' ? true : undefined));
      const mail = await digestFrom(central);
      expect(linkHosts(mail)).toEqual(['portal.primary.example.com']);
      expect(partText(mail.raw, 'text/plain')).toContain('https://portal.primary.example.com/dashboards/db-cluster');
      expect((await status(central)).warnings.join('\n')).not.toContain('portal');
      expect(linkHosts(await digestFrom(local))).toEqual(['own-portal.gaps-local.example.com']);
    });

    it('a change of portal.address on the primary reaches the links of the secondary', async () => {
      const before = (await status(primary)).federation?.settings_version;
      await primary.edit((c) => (c.portal.address = 'http://10.9.8.7:8080'));
      const version = await until(primary, 'new version', (s) => (s.federation?.settings_version !== before ? s.federation?.settings_version : undefined), 5_000);
      await until(central, `version ${version} applied`, (s) => (s.federation?.applied_version === version ? true : undefined));
      const mail = await digestFrom(central);
      expect(linkHosts(mail)).toEqual(['10.9.8.7:8080']);
      expect(partText(mail.raw, 'text/html')).toContain('href="http://10.9.8.7:8080/dashboards/storage"');
      expect(linkHosts(await digestFrom(local))).toEqual(['own-portal.gaps-local.example.com']);
    });

    it('without one on the primary, the secondary warns whose setting is missing', async () => {
      await primary.edit((c) => delete c.portal);
      const warning = await until(central, 'portal warning', (s) => s.warnings.find((w) => w.includes('portal.address')));
      expect(warning).toMatch(/^the primary has no portal\.address \(settings from primary 127\.0\.0\.1:\d+, version \d+\): dashboard digests are sent without links/);
      expect(partText((await digestFrom(central)).raw, 'text/html')).not.toContain('href=');
      // Its own portal.address is not a fall-back: the Portal it names is not the fleet's.
      expect((await status(local)).warnings.join('\n')).not.toContain('portal.address');
      await primary.edit((c) => (c.portal = { address: 'portal.primary.example.com' }));
      await until(central, 'warning gone', (s) => (s.warnings.some((w) => w.includes('portal.address')) ? undefined : true));
    });
  });

  describe("each node shows its own check of its settings against the mail server", () => {
    it('the primary checks its own settings, and the centralized secondary the ones it applied', async () => {
      const primaryCheck = await until(primary, 'own check', (s) => (s.federation?.verify?.version === s.federation?.settings_version ? s.federation?.verify : undefined));
      expect(primaryCheck).toMatchObject({ outcome: 'ok', error: '' });
      const applied = (await status(central)).federation?.applied_version;
      const centralCheck = await until(central, 'check of the applied version', (s) => (s.federation?.verify?.version === applied ? s.federation?.verify : undefined));
      expect(centralCheck).toMatchObject({ outcome: 'ok', error: '' });
      expect((await central.cli(['status'])).stdout).toMatch(new RegExp(`Verified\\s+version ${applied} works from this node \\(\\S+ ago\\)`));
      // A local secondary uses its own settings: the primary's check is not its business.
      expect((await status(local)).federation?.verify).toBeNull();
    });

    it('a failing check shows on the secondary itself, not only on the primary, and on the primary for its own settings', async () => {
      await primary.edit((c) => (c.mailServer.password = 'Wrong-Pa55'));
      const version = await until(primary, 'failed own check', (s) => (s.federation?.verify?.outcome === 'failed' ? s.federation?.verify?.version : undefined));
      expect((await status(primary)).federation?.verify?.error).toMatch(/^authentication failed: 535/);
      expect((await primary.cli(['status'])).stdout).toMatch(new RegExp(`Verified\\s+version ${version} FAILED from this node: authentication failed: 535`));

      const check = await until(central, 'failed check', (s) => (s.federation?.verify?.version === version ? s.federation?.verify : undefined));
      expect(check).toMatchObject({ outcome: 'failed' });
      expect(check.error).toMatch(/^authentication failed: 535/);
      expect(Date.parse(check.at)).not.toBeNaN();
      const text = (await central.cli(['status'])).stdout;
      expect(text).toMatch(new RegExp(`Verified\\s+version ${version} FAILED from this node: authentication failed: 535`));
      expect(text).not.toContain('Wrong-Pa55');
      // The primary's nodes shows the same report.
      const node = (await primary.control.listNodes()).nodes.find((n) => n.name === 'gaps-central');
      expect(node?.verified).toMatchObject({ version, error: check.error });
    });

    it('a restarted secondary checks the settings it kept, and says so at once', async () => {
      await primary.edit((c) => (c.mailServer.password = PASSWORD));
      const version = await until(primary, 'good own check', (s) => (s.federation?.verify?.outcome === 'ok' ? s.federation?.verify?.version : undefined));
      await until(central, 'good version applied', (s) => (s.federation?.verify?.version === version && s.federation.verify.outcome === 'ok' ? true : undefined));
      await central.restart();
      const check = await until(central, 'check after restart', (s) => s.federation?.verify ?? undefined);
      expect(check).toMatchObject({ version, outcome: 'ok', error: '' });
      await central.daemon.waitForLog((l) => l['msg'] === 'settings from the primary checked against the mail server');
    });
  });
});
