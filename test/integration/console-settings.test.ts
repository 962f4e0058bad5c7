/**
 * The console's settings forms, made from the schema, in a real browser on real daemons (a
 * primary and a centralized secondary): the password and CA files set through the console, the
 * OAuth2 fields shown only when they apply, the TLS hint that follows its box, a restart-only key
 * on the Advanced page, and axe-core on every settings page in both modes, with and without errors.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.js';
import { launchBrowser, logIn, type TestBrowser } from '../helpers/browser.js';
import { baseConfig, eventually, runCli, tempDir, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { missingTool } from '../helpers/tools.js';
import { closeAll } from '../helpers/cleanup.js';

const SMTP_PASSWORD = 'Forms-Pa55word!';
const ADMIN_PASSWORD = 'Admin-Pa55-forms';
const PAGES = ['/appliance/mail-server', '/appliance/accounts', '/portal/general', '/appliance/advanced'];

describe.skipIf(missingTool('chromium', 'chromium', '/usr/bin/chromium'))('console settings forms', () => {
  let smtp: SmtpSink;
  let primary: Node;
  let secondary: Node;
  let browser: TestBrowser;
  let primaryUrl: string;
  let secondaryUrl: string;
  let context: BrowserContext;
  let page: Page;
  let secretsDir: string;

  const consoleUrl = (node: Node) => String(node.daemon.logs.find((line) => line['msg'] === 'appliance-mail ready')?.['console']);
  const fileOf = async (node: Node) => JSON.parse(await readFile(node.configPath, 'utf8')) as Json & { mailServer: Json };

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: SMTP_PASSWORD } });
    secretsDir = await tempDir('am-forms-');
    primary = await startNode(
      'primary',
      baseConfig('primary', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: SMTP_PASSWORD, tls: true },
        federation: { listen: '127.0.0.1:0' },
        console: { listen: '127.0.0.1:0' },
      }),
    );
    secondary = await startNode(
      'secondary',
      baseConfig('secondary', { node: { name: 'secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false }, console: { listen: '127.0.0.1:0' } }),
    );
    await joinNode(primary, secondary, primary.federationPort, true);
    for (const node of [primary, secondary]) {
      const result = await runCli(['console', 'passwd', 'admin', '--config', node.configPath], { input: `${ADMIN_PASSWORD}\n` });
      expect(result.code).toBe(0);
    }
    primaryUrl = consoleUrl(primary);
    secondaryUrl = consoleUrl(secondary);
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
    await logIn(page, primaryUrl, 'admin', ADMIN_PASSWORD);
  }, 90_000);

  afterAll(() => closeAll(browser, primary, secondary, smtp));

  it('sets mailServer.passwordFile and mailServer.caFile through the console; the Password label then names the file key', async () => {
    const passwordFile = join(secretsDir, 'smtp-password');
    const caFile = join(secretsDir, 'ca.pem');
    await writeFile(passwordFile, `${SMTP_PASSWORD}\n`, { mode: 0o600 });
    await writeFile(caFile, smtp.caPem);
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('Password file').fill(passwordFile);
    await page.getByLabel('CA certificate file').fill(caFile);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
    expect(new URL(page.url()).search).toMatch(/^\?saved=/);
    const file = await fileOf(primary);
    expect(file.mailServer).toMatchObject({ passwordFile, caFile, username: 'mailer' });
    expect(file.mailServer['password']).toBeUndefined();
    await expect(page.getByLabel('Password file').inputValue()).resolves.toBe(passwordFile);
    await expect(page.locator('label[for="f-password"] + code.key').textContent()).resolves.toBe('mailServer.passwordFile');
    // The settings in force work: a test email through the saved files passes STARTTLS with the private CA and AUTH.
    await page.getByRole('button', { name: 'SEND' }).click();
    await page.locator('#test-steps[data-done="true"]').waitFor();
    const steps = await page.locator('#test-steps li').allTextContents();
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['settings', 'connect', 'starttls', 'auth', 'message']);
    expect(steps.every((s) => / ok: /.test(s))).toBe(true);
  });

  it('shows the OAuth2 fields only with Authentication OAuth2', async () => {
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await expect(page.getByLabel('Token URL').isVisible()).resolves.toBe(false);
    await expect(page.getByLabel('Password file').isVisible()).resolves.toBe(true);
    await page.getByLabel('Authentication').selectOption('oauth2');
    await expect(page.getByLabel('Token URL').isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Password file').isVisible()).resolves.toBe(false);
    await expect(page.getByLabel('Refresh token', { exact: true }).isVisible()).resolves.toBe(false);
    await page.getByLabel('Grant').selectOption('refresh_token');
    await expect(page.getByLabel('Refresh token', { exact: true }).isVisible()).resolves.toBe(true);
    // No input shows a vendor's value as a placeholder: only secrets say "set" or "not set".
    const placeholders = await page.locator('input[placeholder]').evaluateAll((inputs) => inputs.map((i) => `${i.getAttribute('name')}=${i.getAttribute('placeholder')}`));
    expect(placeholders.every((p) => /=(not set|set \(leave empty to keep it\))$/.test(p))).toBe(true);
  });

  it('without JavaScript the OAuth2 fields stay, under a heading that says they apply only to OAuth2', async () => {
    const bare = await browser.newContext();
    await bare.route('**/static/console.js', (route) => route.abort());
    const p = await bare.newPage();
    await logIn(p, primaryUrl, 'admin', ADMIN_PASSWORD);
    await p.goto(`${primaryUrl}/appliance/mail-server`);
    await expect(p.getByLabel('Token URL').isVisible()).resolves.toBe(true);
    await expect(p.locator('legend', { hasText: /^OAuth2 \(/ }).textContent()).resolves.toBe('OAuth2 (applies only with Authentication: OAuth2 (Microsoft 365, Google))');
    await bare.close();
  });

  it('the Enable TLS hint follows the box', async () => {
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    const on = page.locator('#f-tls-hint .hint-on');
    const off = page.locator('#f-tls-hint .hint-off');
    await expect(on.isVisible()).resolves.toBe(true);
    await expect(off.isVisible()).resolves.toBe(false);
    await page.getByLabel('Enable TLS').uncheck();
    await expect(on.isVisible()).resolves.toBe(false);
    await expect(off.textContent()).resolves.toMatch(/unencrypted/);
    await expect(off.isVisible()).resolves.toBe(true);
  });

  it('the Advanced page sets any other key: a live one is applied, a restart-only one is written and waits', async () => {
    await page.goto(`${primaryUrl}/appliance/advanced`);
    await page.getByLabel('Maximum age').fill('2d');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
    expect((await fileOf(primary))['relay']).toEqual({ maxAge: '2d' });
    await page.getByLabel('Allow metrics endpoint beyond loopback').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.warning').textContent()).resolves.toMatch(/not applied yet: .*metrics\.allowNonLoopback: changing it needs a restart/);
    expect((await fileOf(primary))['metrics']).toEqual({ allowNonLoopback: true });
    await page.getByLabel('Allow metrics endpoint beyond loopback').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
  });

  it('a bad value is shown beside its field, nothing is saved, and the page has no axe violation', async () => {
    const before = await readFile(primary.configPath, 'utf8');
    await page.goto(`${primaryUrl}/appliance/mail-server`);
    await page.getByLabel('SMTP server').fill('bad host name');
    await page.getByLabel('Sender email address').fill('not-an-address');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#f-server-error').textContent()).resolves.toMatch(/not a valid DNS name/);
    await expect(page.locator('#f-sender-error').textContent()).resolves.toMatch(/not a valid email address/);
    expect(await readFile(primary.configPath, 'utf8')).toBe(before);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${primaryUrl}/appliance/advanced`);
    await page.getByLabel('Maximum message size').fill('12');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#f-maxMessageBytes-error').waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it.each(PAGES)('%s has no axe violation on the primary', async (path) => {
    await page.goto(`${primaryUrl}${path}`);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('on the centralized secondary the federated forms are read-only, its own keys editable, and no page has an axe violation', async () => {
    const second = await (await browser.newContext()).newPage();
    await logIn(second, secondaryUrl, 'admin', ADMIN_PASSWORD);
    await eventually(async () => ((await secondary.control.status()).mail_server?.server ? true : undefined), 10_000, 'the secondary has the primary settings');
    for (const path of PAGES) {
      await second.goto(`${secondaryUrl}${path}`);
      expect(await axeViolations(second), path).toEqual([]);
    }
    await second.goto(`${secondaryUrl}/appliance/mail-server`);
    await expect(second.getByLabel('SMTP server').isDisabled()).resolves.toBe(true);
    await expect(second.getByLabel('SMTP server').inputValue()).resolves.toBe(`127.0.0.1:${smtp.port}`);
    // Its own EHLO name is not the primary's: editable, and a save writes only it.
    await expect(second.getByLabel('EHLO name').isDisabled()).resolves.toBe(false);
    await second.getByLabel('EHLO name').fill('engine-9.example.com');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await expect(second.locator('.banner.success').textContent()).resolves.toMatch(/applied/);
    expect((await fileOf(secondary)).mailServer).toEqual({ enabled: false, heloName: 'engine-9.example.com' });
    await second.goto(`${secondaryUrl}/appliance/advanced`);
    await expect(second.getByLabel('Maximum age').isDisabled()).resolves.toBe(false);
    await second.close();
  });
});
