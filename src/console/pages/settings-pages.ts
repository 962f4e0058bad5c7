/**
 * The console's other settings pages, each declared by the keys it shows (settings-form.ts makes
 * the rest): APPLIANCE → Accounts → Notifications and PORTAL → General → Portal address (both
 * federated: a centralized Appliance shows its primary's, read-only), and APPLIANCE → Advanced,
 * every other key of the config file (most are read at start: the page says when a save waits
 * for a restart).
 */
import type { FastifyInstance } from 'fastify';
import { settingsCatalog } from '../../config/catalog.js';
import type { RouteDeps } from '../routes.js';
import { registerSettingsForm, type SettingsFormSpec } from '../settings-form.js';

const NONE = { values: new Map<string, string>(), secretsSet: new Set<string>() };

/** The sections of the file that have a page of their own. */
const ELSEWHERE = new Set(['mailServer', 'notifications', 'portal']);

const PAGES: SettingsFormSpec[] = [
  {
    path: '/appliance/accounts',
    title: 'Accounts',
    heading: 'Notifications',
    groups: [{ keys: ['notifications.recipients'] }],
    effective: (_ctx, deps) => ({ ...NONE, values: new Map([['notifications.recipients', deps.effective.current().recipients.join(', ')]]) }),
  },
  {
    path: '/portal/general',
    title: 'General',
    heading: 'Portal',
    groups: [{ keys: ['portal.address'] }],
    effective: (_ctx, deps) => ({ ...NONE, values: new Map([['portal.address', deps.effective.current().portalAddress ?? '']]) }),
  },
  {
    path: '/appliance/advanced',
    title: 'Advanced',
    groups: advancedGroups(),
    effective: () => NONE,
  },
];

/** One fieldset per section of the file, in the schema's order. */
function advancedGroups(): SettingsFormSpec['groups'] {
  const sections = new Map<string, string[]>();
  for (const entry of settingsCatalog()) {
    const section = entry.path.split('.')[0]!;
    if (ELSEWHERE.has(section)) continue;
    sections.set(section, [...(sections.get(section) ?? []), entry.path]);
  }
  return [...sections].map(([section, keys]) => ({ legend: section, keys }));
}

export function registerSettingsPages(app: FastifyInstance, deps: RouteDeps): void {
  for (const spec of PAGES) registerSettingsForm(app, deps, spec);
}
