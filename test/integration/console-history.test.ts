/**
 * The History page in a real browser, on a primary and a centralized secondary: the list, an
 * entry's diff, a revert with its confirmation (which reaches the secondary as a new version),
 * and the read-only parts on the secondary. axe-core finds no violation on these pages.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, logIn, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.js';
import { baseConfig, eventually, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { missingTool } from '../helpers/tools.js';
import { closeAll } from '../helpers/cleanup.js';

const ADMIN_PASSWORD = 'Admin-Pa55-history';

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
});
