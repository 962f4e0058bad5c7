/**
 * The Web Console in a real browser (Debian's chromium through playwright-core) on real daemons:
 * a primary and a centralized secondary, a real SMTP server with STARTTLS and AUTH.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIResponse, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';
import { baseConfig, eventually, runCli, tempDir, type Json } from '../helpers/daemon.js';
import { axeViolations, csrfOf, launchBrowser, logIn, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { CLIENT_ID, CLIENT_SECRET, startTokenEndpoint } from '../helpers/oauth2.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { closeAll } from '../helpers/cleanup.js';

const SMTP_PASSWORD = 'Console-Pa55word!';
const ADMIN_PASSWORD = 'Admin-Pa55-console';

describe.skipIf(missingTool('chromium', 'chromium', '/usr/bin/chromium'))('web console', () => {
  let smtp: SmtpSink;
  let primary: Node;
  let secondary: Node;
  let browser: TestBrowser;
  let primaryUrl: string;
  let secondaryUrl: string;
  let admin: BrowserContext;
  let page: Page;
  /** Bodies of requests the tests send themselves (the browser's are collected by the helper). */
  const forged: string[] = [];
  const keep = async (response: APIResponse) => {
    forged.push(await response.text());
    return response;
  };

  const consoleUrl = (node: Node) => String(node.daemon.logs.find((line) => line['msg'] === 'appliance-mail ready')?.['console']);

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: SMTP_PASSWORD } });
    const caDir = await tempDir('am-ca-');
    await writeFile(join(caDir, 'ca.pem'), smtp.caPem);
    primary = await startNode(
      'primary',
      baseConfig('primary', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: SMTP_PASSWORD, tls: true, caFile: join(caDir, 'ca.pem') },
        federation: { listen: '127.0.0.1:0' },
        console: { listen: '127.0.0.1:0' },
      }),
    );
    const secondaryConfig: Json = baseConfig('secondary', {
      node: { name: 'secondary', role: 'secondary', stateDir: './state' },
      mailServer: { enabled: true, server: '127.0.0.1:1', sender: 'own@example.com', tls: true },
      console: { listen: '127.0.0.1:0' },
    });
    secondary = await startNode('secondary', secondaryConfig);
    await joinNode(primary, secondary, primary.federationPort, true);
    // `console passwd` reads the password from stdin's first line when stdin is not a terminal.
    for (const node of [primary, secondary]) {
      const result = await runCli(['console', 'passwd', 'admin', '--config', node.configPath], { input: `${ADMIN_PASSWORD}\n` });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/console user admin/);
    }
    primaryUrl = consoleUrl(primary);
    secondaryUrl = consoleUrl(secondary);
    browser = await launchBrowser();
    admin = await browser.newContext();
    page = await admin.newPage();
  }, 90_000);

  afterAll(() => closeAll(browser, primary, secondary, smtp));

  it('serves HTTPS on the configured address, shown in status and the log', async () => {
    expect(primaryUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await primary.control.status();
    expect(status.console_url).toBe(primaryUrl);
  });

  it('logs in with Username and Password; the session cookie is HttpOnly, Secure, SameSite=Strict', async () => {
    await logIn(page, primaryUrl, 'admin', ADMIN_PASSWORD);
    const cookie = (await admin.cookies()).find((c) => c.name === 'am_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    const response = await page.goto(`${primaryUrl}/`);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('SEND tests the unsaved form values and streams the steps; the mail reaches the server over STARTTLS with AUTH', async () => {
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('Sender email address').fill('unsaved@example.com');
    await page.getByLabel('Password', { exact: true }).fill(SMTP_PASSWORD);
    const before = smtp.received.length;
    await page.getByRole('button', { name: 'SEND' }).click();
    await page.locator('#test-steps[data-done="true"]').waitFor();
    const steps = await page.locator('#test-steps li').allTextContents();
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['settings', 'connect', 'starttls', 'auth', 'message']);
    expect(steps.every((s) => / ok: /.test(s))).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-test-email.png'), fullPage: true });
    const mail = smtp.received.slice(before).find((m) => m.from === 'unsaved@example.com');
    expect(mail).toMatchObject({ secure: true, user: 'mailer', to: ['ops@example.com'] });
    // Nothing was saved by SEND.
    expect(JSON.parse(await readFile(primary.configPath, 'utf8')).mailServer.sender).toBe('primary@example.com');
  });

  it('Save changes writes the file (mode kept), the live reload applies it, and it reaches the centralized secondary', async () => {
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('Sender email address').fill('saved@example.com');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
    const file = JSON.parse(await readFile(primary.configPath, 'utf8'));
    expect(file.mailServer).toMatchObject({ sender: 'saved@example.com', password: SMTP_PASSWORD, username: 'mailer' });
    expect((await stat(primary.configPath)).mode & 0o777).toBe(0o600);
    await expect(page.getByLabel('Sender email address').inputValue()).resolves.toBe('saved@example.com');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-mail-server.png'), fullPage: true });
    await eventually(async () => ((await secondary.control.status()).mail_server?.sender === 'saved@example.com' ? true : undefined), 10_000, 'the secondary applies the saved sender');
  });

  it('a bad value is shown next to its field and nothing is applied', async () => {
    const before = await readFile(primary.configPath, 'utf8');
    const version = (await primary.control.status()).config?.version;
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('SMTP server').fill('bad host name');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#f-server-error').textContent()).resolves.toMatch(/not a valid DNS name/);
    await expect(page.getByLabel('SMTP server').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await readFile(primary.configPath, 'utf8')).toBe(before);
    expect((await primary.control.status()).config?.version).toBe(version);
  });

  it('a save racing an edit of the file is refused and shows the current values', async () => {
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('Sender email address').fill('from-form@example.com');
    await primary.edit((config) => {
      config.mailServer.sender = 'from-editor@example.com';
    });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.error').textContent()).resolves.toMatch(/changed since this form was loaded.*AM_CONFIG_CHANGED/);
    await expect(page.getByLabel('Sender email address').inputValue()).resolves.toBe('from-editor@example.com');
    expect(JSON.parse(await readFile(primary.configPath, 'utf8')).mailServer.sender).toBe('from-editor@example.com');
  });

  it('a request without the CSRF token is refused', async () => {
    const file = await readFile(primary.configPath, 'utf8');
    const response = await keep(await admin.request.post(`${primaryUrl}/appliance/mail-server`, { form: { enabled: 'on', server: '127.0.0.1:9', sender: 'evil@example.com', tls: 'on' } }));
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('AM_CSRF');
    expect(await readFile(primary.configPath, 'utf8')).toBe(file);
  });

  it('the centralized secondary shows the primary values read-only and refuses a forged POST', async () => {
    const context = await browser.newContext();
    const second = await context.newPage();
    await logIn(second, secondaryUrl, 'admin', ADMIN_PASSWORD);
    await second.goto(`${secondaryUrl}/appliance/mail-server`);
    await expect(second.getByLabel('SMTP server').isDisabled()).resolves.toBe(true);
    await expect(second.getByLabel('Sender email address').inputValue()).resolves.toMatch(/@example\.com$/);
    // Only its own settings (the EHLO name) can be saved here.
    await expect(second.getByLabel('EHLO name').isDisabled()).resolves.toBe(false);
    const bannerText = await second.locator('.banner.info').textContent();
    expect(bannerText).toMatch(/Read-only/);
    expect(bannerText).toContain(`127.0.0.1:`);
    expect(bannerText).toMatch(/version \d+, applied/);
    await second.screenshot({ path: join(SCREENSHOT_DIR, 'console-mail-server-readonly.png'), fullPage: true });
    const file = await readFile(secondary.configPath, 'utf8');
    const forgedSave = await keep(await context.request.post(`${secondaryUrl}/appliance/mail-server`, { form: { _csrf: await csrfOf(second), version: '', enabled: 'on', server: '127.0.0.1:9', sender: 'forged@example.com', tls: 'on' } }));
    expect(forgedSave.status()).toBe(403);
    expect(await forgedSave.text()).toContain('AM_READ_ONLY');
    expect(await readFile(secondary.configPath, 'utf8')).toBe(file);
    await context.close();
  });

  it('the federation page lists the secondary and creates a token with the join command', async () => {
    await eventually(async () => ((await primary.control.status()).federation?.verify?.outcome === 'ok' ? true : undefined), 15_000, 'the primary checked');
    await page.goto(`${primaryUrl}/federation`);
    await expect(page.getByRole('cell', { name: 'secondary', exact: true }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Create join token' }).click();
    const command = await page.locator('#join-command').textContent();
    expect(command).toMatch(/^appliance-mail join --primary 127\.0\.0\.1:\d+ --token amj1\.\S+ --centralize$/);
    // The same address as the CLI's join command, which status names.
    const joinAddress = (await primary.control.status()).federation?.join_address;
    expect(command).toContain(`--primary ${joinAddress} `);
    await expect(page.locator('.facts').textContent()).resolves.toMatch(/Own settings checkedversion \d+ works from this Appliance/);
    // A picture in docs/ holds no token, not even a throw-away one: its secret part is masked.
    await page.locator('#join-command').evaluate((el) => (el.textContent = (el.textContent ?? '').replace(/(amj1\.[0-9a-f]{8}\.)\S+?(\.[0-9a-f]{64})/, '$1…secret…$2')));
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-federation.png'), fullPage: true });
    // Shown once: the page loaded again has no token, only its id in the list.
    await page.goto(`${primaryUrl}/federation`);
    expect(await page.locator('#join-command').count()).toBe(0);
    const id = /--token amj1\.([0-9a-f]{8})\./.exec(command ?? '')?.[1];
    await expect(page.getByRole('row', { name: new RegExp(`${id}.*usable`) }).count()).resolves.toBe(1);
    expect(await page.content()).not.toContain(command!.split(' ')[4]!);
    await page.getByRole('button', { name: `Delete token ${id}` }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toContain(`Deleted join token ${id}`);
    expect((await primary.control.listTokens()).tokens.map((t) => t.id)).not.toContain(id);
  });

  it("the centralized secondary's federation page shows its own check of the primary's settings", async () => {
    const context = await browser.newContext();
    const second = await context.newPage();
    await logIn(second, secondaryUrl, 'admin', ADMIN_PASSWORD);
    await eventually(async () => ((await secondary.control.status()).federation?.verify ? true : undefined), 15_000, 'the secondary checked');
    await second.goto(`${secondaryUrl}/federation`);
    const facts = await second.locator('.facts').textContent();
    expect(facts).toMatch(/Settings checkedversion \d+ works from this Appliance/);
    expect(facts).not.toContain('Last delivery error');
    await context.close();
  });

  it('the outbox, accounts and portal pages render; the portal address saves', async () => {
    await page.goto(`${primaryUrl}/outbox`);
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    await page.goto(`${primaryUrl}/appliance/accounts`);
    await expect(page.getByLabel('Notification recipients').inputValue()).resolves.toBe('ops@example.com');
    await page.goto(`${primaryUrl}/portal/general`);
    await page.getByLabel('Portal address').fill('portal.example.com');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
    expect(JSON.parse(await readFile(primary.configPath, 'utf8')).portal.address).toBe('portal.example.com');
    // The Portal lives on the primary: the centralized secondary shows the primary's, read-only.
    await eventually(async () => ((await secondary.control.status()).warnings.some((w) => w.includes('portal.address')) ? undefined : true), 10_000, 'the address reached the secondary');
    const context = await browser.newContext();
    const second = await context.newPage();
    await logIn(second, secondaryUrl, 'admin', ADMIN_PASSWORD);
    await second.goto(`${secondaryUrl}/portal/general`);
    await expect(second.getByLabel('Portal address').inputValue()).resolves.toBe('portal.example.com');
    await expect(second.getByLabel('Portal address').isDisabled()).resolves.toBe(true);
    await context.close();
  });

  it('axe-core finds no violation on the overview, outbox, drop confirmation, federation and login pages, primary and centralized secondary', async () => {
    // A dead letter, so that the outbox has rows (and a drop confirmation to show).
    smtp.onRcpt = (address) => (address === 'axe-refused@example.com' ? Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }) : null);
    await primary.control.submit({ to: ['axe-refused@example.com'], subject: 'axe', text: 'axe', html: '', kind: 'alert', idempotency_key: '' });
    const dead = await eventually(async () => (await primary.control.listOutbox()).entries.find((e) => e.state === 'dead'), 15_000, 'a dead letter');
    smtp.onRcpt = () => null;
    const context = await browser.newContext();
    const second = await context.newPage();
    await logIn(second, secondaryUrl, 'admin', ADMIN_PASSWORD);
    const found: string[] = [];
    for (const [p, url, paths] of [
      [page, primaryUrl, ['/', '/outbox', `/outbox/drop?id=${dead.id}`, '/federation']],
      [second, secondaryUrl, ['/', '/outbox', '/federation']],
    ] as const) {
      for (const path of paths) {
        await p.goto(`${url}${path}`);
        found.push(...(await axeViolations(p)).map((v) => `${url}${path}: ${v}`));
      }
    }
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${primaryUrl}/login`);
    found.push(...(await axeViolations(anonymous)).map((v) => `/login: ${v}`));
    await context.close();
    expect(found).toEqual([]);
  });

  it('Drop asks first on a page of its own (no JavaScript needed); every action ends with a redirect, so a refresh repeats nothing', async () => {
    smtp.onRcpt = (address) => (address === 'drop-me@example.com' ? Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }) : null);
    await primary.control.submit({ to: ['drop-me@example.com'], subject: 'drop me', text: 'x', html: '', kind: 'alert', idempotency_key: '' });
    const dead = await eventually(async () => (await primary.control.listOutbox()).entries.find((e) => e.subject === 'drop me' && e.state === 'dead'), 15_000, 'the dead letter');
    smtp.onRcpt = () => null;
    const context = await browser.browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled: false });
    const noJs = await context.newPage();
    await logIn(noJs, primaryUrl, 'admin', ADMIN_PASSWORD);
    await noJs.goto(`${primaryUrl}/outbox`);
    await expect(noJs.locator('tr', { hasText: 'drop me' }).textContent()).resolves.toMatch(/dead letter/);
    await noJs.locator('tr', { hasText: 'drop me' }).getByRole('button', { name: 'Drop…' }).click();
    await noJs.getByRole('heading', { name: 'Drop a message' }).waitFor();
    // Asking is not dropping.
    expect((await primary.control.listOutbox()).entries.some((e) => e.id === dead.id)).toBe(true);
    await noJs.getByRole('button', { name: `Drop ${dead.id} for good` }).click();
    await noJs.getByRole('heading', { name: 'Outbox' }).waitFor();
    expect(new URL(noJs.url()).pathname).toBe('/outbox');
    await expect(noJs.locator('.banner.success').textContent()).resolves.toContain(`Dropped ${dead.id}`);
    expect((await primary.control.listOutbox()).entries.some((e) => e.id === dead.id)).toBe(false);
    // A refresh is a GET of /outbox: no form is sent again and the result is not shown twice.
    await noJs.reload();
    await expect(noJs.locator('.banner.success').count()).resolves.toBe(0);
    // The same for the federation page's actions: the new token is shown once, at /federation.
    await noJs.goto(`${primaryUrl}/federation`);
    await noJs.getByRole('button', { name: 'Create join token' }).click();
    await noJs.locator('#join-command').waitFor();
    expect(new URL(noJs.url()).pathname).toBe('/federation');
    await noJs.reload();
    await expect(noJs.locator('#join-command').count()).resolves.toBe(0);
    await context.close();
  });

  it('wrong passwords are rate limited, then even the right one is refused for a while', async () => {
    await runCliPasswd(primary, 'oper');
    const context = await browser.newContext();
    const login = await context.newPage();
    await login.goto(`${primaryUrl}/login`);
    const attempt = async (password: string) =>
      keep(await context.request.post(`${primaryUrl}/login`, { form: { _csrf: await csrfOf(login), username: 'oper', password }, maxRedirects: 0 }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`wrong-${i}-password`)).status());
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await attempt(OPER_PASSWORD);
    expect(limited.status()).toBe(429);
    expect(Number(limited.headers()['retry-after'])).toBeGreaterThan(0);
    expect(await limited.text()).toContain('AM_LOGIN_RATE_LIMITED');
    await context.close();
  });

  it('logout ends the session', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await logIn(p, primaryUrl, 'admin', ADMIN_PASSWORD);
    await p.getByRole('button', { name: 'Log out' }).click();
    await p.getByRole('button', { name: 'Log in' }).waitFor();
    await p.goto(`${primaryUrl}/appliance/mail-server`);
    expect(new URL(p.url()).pathname).toBe('/login');
    await context.close();
  });

  it('SEND works without JavaScript: the page comes back with the steps', async () => {
    const context = await browser.newContext();
    await context.route('**/static/console.js', (route) => route.abort());
    const p = await context.newPage();
    await logIn(p, primaryUrl, 'admin', ADMIN_PASSWORD);
    await p.goto(`${primaryUrl}/appliance/mail-server`);
    await p.getByLabel('SMTP server').fill('not a host');
    await p.getByRole('button', { name: 'SEND' }).click();
    await p.waitForURL(/\/appliance\/mail-server\/test$/);
    await expect(p.locator('#test-steps li').first().textContent()).resolves.toMatch(/settings FAILED: the form's values are not valid: mailServer\.server/);
    await expect(p.locator('#f-server-error').textContent()).resolves.toMatch(/not a valid DNS name/);
    await context.close();
  });

  it('console passwd keeps a salted scrypt hash in a 0600 file; test-email --server tests given values with the password from stdin', async () => {
    const users = join(primary.dir, 'state', 'console-users.json');
    expect((await stat(users)).mode & 0o777).toBe(0o600);
    const text = await readFile(users, 'utf8');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(JSON.parse(text).users.admin).toMatchObject({ N: 32768, r: 8, p: 1 });
    const before = smtp.received.length;
    const result = await runCli(
      ['test-email', '--server', `127.0.0.1:${smtp.port}`, '--sender', 'cli-given@example.com', '--username', 'mailer', '--config', primary.configPath],
      { input: `${SMTP_PASSWORD}\n` },
    );
    expect(result.stdout).toMatch(/ok {3}auth {5}authenticated as mailer/);
    expect(result.code).toBe(0);
    expect(smtp.received.slice(before)).toEqual([expect.objectContaining({ from: 'cli-given@example.com', user: 'mailer', secure: true })]);
    const wrong = await runCli(['test-email', '--server', `127.0.0.1:${smtp.port}`, '--sender', 'cli-given@example.com', '--username', 'mailer', '--config', primary.configPath], { input: 'not-it\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL auth/);
    expect(wrong.stdout + wrong.stderr).not.toContain('not-it');
  });

  it('Authentication offers OAuth2: SEND shows the token step and the fix, a save keeps the client secret out of the page, and the password comes back', async () => {
    const tokens = await startTokenEndpoint();
    try {
      await page.goto(`${primaryUrl}/appliance/mail-server`);
      await page.getByLabel('Authentication').selectOption('oauth2');
      await page.getByLabel('Token URL').fill(tokens.url);
      await page.getByLabel('Client ID').fill(CLIENT_ID);
      await page.getByLabel('Client secret', { exact: true }).fill('wrong-Pa55-console-secret');
      await page.getByLabel('Scope').fill('https://outlook.office365.com/.default');
      await page.getByRole('button', { name: 'SEND' }).click();
      await page.locator('#test-steps[data-done="true"]').waitFor();
      const steps = await page.locator('#test-steps li').allTextContents();
      expect(steps.map((s) => s.split(' ')[0])).toEqual(['settings', 'token']);
      expect(steps[1]).toMatch(/FAILED: the OAuth2 token endpoint .* refused the client_credentials grant \(HTTP 401\): invalid_client: AADSTS7000215.*Fix: the provider refused the request/);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-oauth2-test.png'), fullPage: true });

      await page.getByLabel('Client secret', { exact: true }).fill(CLIENT_SECRET);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
      const file = JSON.parse(await readFile(primary.configPath, 'utf8'));
      expect(file.mailServer).toMatchObject({ auth: 'oauth2', username: 'mailer', oauth2: { tokenUrl: tokens.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, grant: 'client_credentials' } });
      expect(file.mailServer.password).toBeUndefined();
      await expect(page.getByLabel('Client secret', { exact: true }).getAttribute('placeholder')).resolves.toBe('set (leave empty to keep it)');
      await expect(page.getByLabel('Authentication').inputValue()).resolves.toBe('oauth2');
      await eventually(async () => ((await secondary.control.status()).mail_server?.auth === 'oauth2' ? true : undefined), 10_000, 'the secondary applies OAuth2');

      await page.getByLabel('Authentication').selectOption('password');
      await page.getByLabel('Password', { exact: true }).fill(SMTP_PASSWORD);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
      const back = JSON.parse(await readFile(primary.configPath, 'utf8'));
      expect(back.mailServer.oauth2).toBeUndefined();
      expect(back.mailServer).toMatchObject({ password: SMTP_PASSWORD });
      for (const body of [...browser.bodies, ...forged]) expect(body).not.toContain(CLIENT_SECRET);
    } finally {
      await tokens.close();
    }
  });

  it('no password ever reached the browser', async () => {
    const all = [...browser.bodies, ...forged];
    expect(all.length).toBeGreaterThan(20);
    for (const body of all) {
      expect(body).not.toContain(SMTP_PASSWORD);
      expect(body).not.toContain(ADMIN_PASSWORD);
      expect(body).not.toContain(OPER_PASSWORD);
    }
  });
});

const OPER_PASSWORD = 'Oper-Pa55-console';

async function runCliPasswd(node: Node, name: string): Promise<void> {
  const result = await runCli(['console', 'passwd', name, '--config', node.configPath], { input: `${OPER_PASSWORD}\n` });
  if (result.code !== 0) throw new Error(result.stderr);
}
