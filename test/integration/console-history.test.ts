/**
 * The History page in a real browser, on a primary and a centralized secondary: the list, an
 * entry's diff, a revert with its confirmation (which reaches the secondary as a new version),
 * and the read-only parts on the secondary. The primary's Federation page: whether the secondary
 * runs the newest version, what differs when it does not, and a refused version (NACK) in the
 * primary's trail with its reason. axe-core finds no violation on these pages.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, logIn, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.js';
import { baseConfig, eventually, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { missingTool } from '../helpers/tools.js';
import { closeAll } from '../helpers/cleanup.js';

const ADMIN_PASSWORD = 'Admin-Pa55-history';
/** Secrets the primary sends its secondary later on: in no trail, log or page. */
const AWAY_PASSWORD = 'Away-Pa55-federation';
const CLIENT_SECRET = 'Client-Pa55-nack';
const REFRESH_TOKEN = 'Refresh-Pa55-nack';

describe.skipIf(missingTool('chromium', 'chromium', '/usr/bin/chromium'))('console History page', () => {
  let primary: Node;
  let secondary: Node;
  let browser: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  let originalText: string;
  const consoleUrl = (node: Node) => String(node.daemon.logs.find((line) => line['msg'] === 'appliance-mail ready')?.['console']);
  const appliedOnSecondary = async () => Number((await secondary.control.status()).federation?.applied_version ?? 0);

  beforeAll(async () => {
    primary = await startNode('primary', baseConfig('primary', { federation: { listen: '127.0.0.1:0' }, console: { listen: '127.0.0.1:0' } }));
    const secondaryConfig: Json = baseConfig('secondary', {
      node: { name: 'secondary', role: 'secondary', stateDir: './state' },
      mailServer: { enabled: true, server: '127.0.0.1:1', sender: 'own@example.com', tls: true },
      console: { listen: '127.0.0.1:0' },
    });
    secondary = await startNode('secondary', secondaryConfig);
    await joinNode(primary, secondary, primary.federationPort, true);
    for (const node of [primary, secondary]) await node.control.setConsolePassword({ name: 'admin', password: ADMIN_PASSWORD });
    originalText = await readFile(primary.configPath, 'utf8');
    await eventually(async () => ((await appliedOnSecondary()) > 0 ? true : undefined), 15_000, 'the secondary applies the primary settings');
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  }, 90_000);

  afterAll(() => closeAll(browser, primary, secondary));

  it('lists the trail with filters, and opens an entry with its diff', async () => {
    const before = await appliedOnSecondary();
    await primary.edit((config) => {
      config.mailServer.sender = 'changed@example.com';
    });
    await eventually(async () => ((await secondary.control.status()).mail_server?.sender === 'changed@example.com' ? true : undefined), 15_000, 'the edit reaches the secondary');
    expect(await appliedOnSecondary()).toBeGreaterThan(before);
    await logIn(page, consoleUrl(primary), 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const rows = page.locator('#history tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(2);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-history.png'), fullPage: true });
    await page.getByLabel('Kind').selectOption('settings');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/kind=settings/);
    const kinds = await page.locator('#history tbody tr td:nth-child(3)').allTextContents();
    expect(new Set(kinds)).toEqual(new Set(['settings']));
    await page.locator('#history tbody tr').first().getByRole('link').click();
    await page.getByRole('table', { name: /Fields changed by entry/ }).waitFor();
    expect(await page.locator('table.diff').textContent()).toMatch(/mailServer\.sender.*primary@example\.com.*changed@example\.com|mailServer\.sender.*alerts@example\.com.*changed@example\.com/s);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-history-entry.png'), fullPage: true });
  });

  it('reverts after a confirmation, byte for byte, and the centralized secondary receives the reverted version', async () => {
    const before = await appliedOnSecondary();
    await page.goto(`${consoleUrl(primary)}/appliance/history?kind=settings`);
    // The oldest settings entry: the configuration in force at the first start.
    await page.locator('#history tbody tr').last().getByRole('link').click();
    await page.getByRole('link', { name: 'Revert to this…' }).click();
    await page.getByRole('heading', { name: /^Revert to entry #\d+\?$/ }).waitFor();
    expect(await page.getByRole('table', { name: 'What the revert changes' }).textContent()).toContain('changed@example.com');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, write it back' }).click();
    await page.getByText(/Reverted to entry #\d+/).waitFor();
    expect(page.url()).toMatch(/\/appliance\/history\/\d+\?reverted=\d+$/);
    expect(await readFile(primary.configPath, 'utf8')).toBe(originalText);
    await eventually(async () => ((await secondary.control.status()).mail_server?.sender === 'alerts@example.com' ? true : undefined), 15_000, 'the revert reaches the secondary');
    expect(await appliedOnSecondary()).toBeGreaterThan(before);
  });

  it('shows the primary\'s versions on the centralized secondary, which cannot revert them', async () => {
    const second = await context.newPage();
    await logIn(second, consoleUrl(secondary), 'admin', ADMIN_PASSWORD);
    await second.goto(`${consoleUrl(secondary)}/appliance/history?kind=settings`);
    const fromPrimary = second.locator('#history tbody tr', { hasText: /primary 127\.0\.0\.1:\d+, version \d+/ });
    await expect.poll(() => fromPrimary.count()).toBeGreaterThan(1);
    expect(await fromPrimary.first().locator('td:nth-child(7)').textContent()).toMatch(/^primary v\d+$/);
    expect(await axeViolations(second)).toEqual([]);
    await fromPrimary.first().getByRole('link').click();
    expect(await second.locator('#revert-refused').textContent()).toMatch(/settings from the primary; revert them on the primary/);
    expect(await second.getByRole('link', { name: 'Revert to this…' }).count()).toBe(0);
    await second.screenshot({ path: join(SCREENSHOT_DIR, 'console-history-secondary.png'), fullPage: true });
    // Forged past the page: refused the same way, nothing written.
    const id = /\/appliance\/history\/(\d+)/.exec(second.url())![1]!;
    const confirmPage = await second.goto(`${consoleUrl(secondary)}/appliance/history/${id}/revert`);
    expect(await confirmPage!.text()).toMatch(/cannot be reverted to.*AM_REVERT_REFUSED/s);
    const secondaryText = await readFile(secondary.configPath, 'utf8');
    await expect(secondary.control.revert({ id: Number(id), expected_digest: '' })).rejects.toMatchObject({ code: 'AM_REVERT_REFUSED' });
    expect(await readFile(secondary.configPath, 'utf8')).toBe(secondaryText);
    await second.close();
  });

  it('refuses on the centralized secondary a revert of its own file that would change the mail settings it takes from the primary', async () => {
    const own = (await secondary.control.history({ since_seconds: 0, limit: 0, kind: 'settings', actor: 'config file' })).entries.at(-1)!;
    await secondary.edit((config) => {
      config.mailServer.sender = 'edited-here@example.com';
    });
    await eventually(async () => {
      const newest = (await secondary.control.history({ since_seconds: 0, limit: 1, kind: 'settings', actor: 'config file' })).entries[0];
      return newest && newest.id !== own.id ? true : undefined;
    });
    const plan = await secondary.control.historyEntry({ id: own.id });
    expect(plan.revert_refused).toMatch(/this node is centralized.*mailServer\.sender/);
    // The join itself is in the trail, by whoever ran it.
    const joined = (await secondary.control.history({ since_seconds: 0, limit: 0, kind: 'federation', actor: '' })).entries;
    expect(joined.map((e) => [e.summary, e.door])).toEqual([[`joined primary 127.0.0.1:${primary.federationPort} (centralized)`, 'admin-socket']]);
    const tokens = (await primary.control.history({ since_seconds: 0, limit: 0, kind: 'token', actor: '' })).entries;
    expect(tokens.map((e) => e.summary)).toEqual([expect.stringMatching(/^join token created, valid until /)]);
  });

  /** Every file of a node's audit folder but the kept configurations (which hold secrets by design), as text. */
  async function trailTexts(node: Node): Promise<string> {
    const dir = join(node.dir, 'state', 'audit');
    const names = (await readdir(dir, { withFileTypes: true })).filter((item) => item.isFile()).map((item) => item.name);
    return (await Promise.all(names.map((name) => readFile(join(dir, name), 'latin1')))).join('\n');
  }

  /** The primary's Federation page row of the secondary, its "Runs the newest settings" cell once it matches. */
  async function newestCell(pattern: RegExp): Promise<string> {
    let last = '';
    return eventually(async () => {
      await page.goto(`${consoleUrl(primary)}/federation`);
      const text = (await page.locator('table.list tbody tr', { hasText: 'secondary' }).first().locator('td:nth-child(4)').textContent()) ?? '';
      last = text;
      return pattern.test(text) ? text : undefined;
    }, 15_000, `the Federation page to say ${pattern}`).catch((err: unknown) => {
      throw new Error(`${String(err)}; it says: ${last}`);
    });
  }

  it('shows on the primary\'s Federation page whether the secondary runs the newest version, and what differs from the one it runs', async () => {
    const published = async () => Number((await primary.control.status()).federation?.settings_version ?? 0);
    const runs = await published();
    await logIn(page, consoleUrl(primary), 'admin', ADMIN_PASSWORD);
    await newestCell(new RegExp(`^yes, version ${runs}$`));
    // The secondary is down while the primary changes its sender and password: it falls behind.
    await secondary.daemon.stop();
    await primary.edit((config) => {
      config.mailServer.sender = 'while-away@example.com';
      config.mailServer.password = AWAY_PASSWORD;
    });
    await eventually(async () => ((await published()) > runs ? true : undefined), 15_000, 'a new settings version on the primary');
    const newest = await published();
    await newestCell(new RegExp(`^no: runs version ${runs} of ${newest} what differs$`));
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-federation-versions.png'), fullPage: true });
    await page.getByRole('link', { name: 'What differs for secondary' }).click();
    await page.getByRole('heading', { name: 'Settings of secondary' }).waitFor();
    const diff = page.getByRole('table', { name: `Settings version ${runs} (secondary) against version ${newest} (this primary)` });
    const rows = await diff.locator('tbody tr').allTextContents();
    expect(rows).toEqual(['mailServer.passwordsecret (set)changed (set)', 'mailServer.senderalerts@example.comwhile-away@example.com']);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-federation-diff.png'), fullPage: true });
    // A name that is no secondary (markup in it stays text): 404, with the error's code.
    const unknown = await page.goto(`${consoleUrl(primary)}/federation/diff?node=${encodeURIComponent('<b>ghost</b>')}`);
    expect(unknown!.status()).toBe(404);
    expect(await page.locator('.banner.error').textContent()).toBe('There is no secondary named <b>ghost</b>; see the list of secondaries. [AM_NODE_UNKNOWN]');
    expect(await page.locator('main b').count()).toBe(0);

    // Back up, it catches up: the page says so, and its own trail has the change from the primary.
    await secondary.restart();
    await eventually(async () => ((await appliedOnSecondary()) === newest ? true : undefined), 15_000, 'the secondary applies the newest version');
    await newestCell(new RegExp(`^yes, version ${newest}$`));
    const received = (await secondary.control.history({ since_seconds: 0, limit: 1, kind: 'settings', actor: 'primary' })).entries[0]!;
    expect(received).toMatchObject({ door: 'primary', actor: `primary 127.0.0.1:${primary.federationPort}, version ${newest}`, version: `primary v${newest}` });
    expect(received.changes).toEqual([
      { path: 'mailServer.password', before: 'set', after: 'set', secret: true },
      { path: 'mailServer.sender', before: 'alerts@example.com', after: 'while-away@example.com', secret: false },
    ]);
  }, 90_000);

  it('records a version the secondary refuses (NACK) in the primary\'s trail with the reason, and the Federation page links to it', async () => {
    const joined = (await primary.control.history({ since_seconds: 0, limit: 0, kind: 'node', actor: '' })).entries;
    expect(joined.map((e) => [e.summary, e.actor, e.door])).toEqual([['secondary secondary joined with a join token (centralized)', 'secondary secondary', 'secondary']]);
    // The refresh_token grant is not federated (one node alone can hold a rotating token): refused.
    await primary.edit((config) => {
      delete config.mailServer.password;
      config.mailServer.auth = 'oauth2';
      config.mailServer.oauth2 = { tokenUrl: 'https://127.0.0.1:9/token', clientId: 'app-1', clientSecret: CLIENT_SECRET, grant: 'refresh_token', refreshToken: REFRESH_TOKEN };
    });
    const refused = await eventually(async () => (await primary.control.history({ since_seconds: 0, limit: 1, kind: 'settings-refused', actor: '' })).entries[0], 15_000, 'the refusal in the primary\'s trail');
    const version = Number((await primary.control.status()).federation?.settings_version);
    expect(refused).toMatchObject({ door: 'secondary', actor: 'secondary secondary', summary: `secondary secondary refused settings version ${version}; it keeps the settings it had` });
    expect(refused.reason).toMatch(/refresh_token grant, whose token the provider rotates on use/);
    await newestCell(new RegExp(`^no: it refused version ${version} why, in the history$`));
    await page.getByRole('link', { name: 'why, in the history' }).click();
    await page.waitForURL(/kind=settings-refused/);
    expect(await page.locator('#history tbody tr').allTextContents()).toEqual([expect.stringContaining(`secondary secondary refused settings version ${version}`)]);
    expect(await axeViolations(page)).toEqual([]);
    // No secret the primary sent is in either trail, or in any page the browser was sent.
    const secrets = [AWAY_PASSWORD, CLIENT_SECRET, REFRESH_TOKEN];
    for (const text of [await trailTexts(primary), await trailTexts(secondary), ...browser.bodies, ...primary.daemon.rawLines, ...secondary.daemon.rawLines]) {
      for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    }
  }, 60_000);
});
