import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLiveConfig } from '../../src/config/live-config.js';
import { createLogger } from '../../src/log/logger.js';
import { computeEffective, createEffectiveSettings, type EffectiveSnapshot, type FederationFacts, type FederationFactsSource } from '../../src/config/effective.js';
import type { FederatedSettings } from '../../src/settings/schema.js';

const log = createLogger({ level: 'silent' });

function config(role: 'primary' | 'secondary') {
  return parseConfig(
    JSON.stringify({
      node: { name: 'n1', role, stateDir: './state' },
      mailServer: { enabled: true, server: 'own.example.com', sender: 'own@example.com', tls: true },
      notifications: { recipients: 'own-ops@example.com' },
      portal: { address: 'own-portal.example.com' },
    }),
    '/etc/appliance-mail/config.json',
  );
}

const PRIMARY_SETTINGS: FederatedSettings = {
  mailServer: { enabled: true, host: 'smtp.example.com', port: 587, sender: 'primary@example.com', username: 'u', password: 'p', tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
  recipients: ['ops@example.com'],
  portalAddress: 'portal.primary.example.com',
};
const membership = (mode: 'centralized' | 'local') => ({ primary: '10.0.0.1:7443', mode });

/** The secondary's side of the contract: facts, and a change event after each write. */
function factsSource(initial: FederationFacts) {
  let facts = initial;
  const listeners: Array<(f: FederationFacts) => void> = [];
  const source: FederationFactsSource = { facts: () => facts, onChange: (l) => void listeners.push(l) };
  return {
    source,
    set(next: FederationFacts) {
      facts = next;
      for (const l of listeners) l(next);
    },
  };
}

describe('effective settings', () => {
  it('a primary, a standalone and a local node use their file', () => {
    for (const [role, facts] of [
      ['primary', { membership: membership('centralized'), centralized: { version: 3, settings: PRIMARY_SETTINGS} }],
      ['secondary', { membership: null, centralized: null }],
      ['secondary', { membership: membership('local'), centralized: null }],
    ] as const) {
      const e = computeEffective(config(role), facts);
      expect(e.mailServer.sender).toBe('own@example.com');
      expect(e.portalAddress).toBe('own-portal.example.com');
      expect(e.source).toBe('config file /etc/appliance-mail/config.json');
    }
  });

  it('a centralized node uses the primary settings, and sends nothing before it has them', () => {
    const waiting = computeEffective(config('secondary'), { membership: membership('centralized'), centralized: null });
    expect(waiting).toMatchObject({ recipients: [], portalAddress: null, source: 'primary 10.0.0.1:7443: no settings received yet' });
    expect(waiting.mailServer.enabled).toBe(false);
    const applied = computeEffective(config('secondary'), { membership: membership('centralized'), centralized: { version: 3, settings: PRIMARY_SETTINGS} });
    expect(applied).toMatchObject({
      mailServer: { sender: 'primary@example.com' },
      recipients: ['ops@example.com'],
      // The Portal lives on the primary: a centralized node's digests link there, not to its own.
      portalAddress: 'portal.primary.example.com',
      source: 'primary 10.0.0.1:7443, version 3',
    });
  });

  it('follows the secondary change events, telling listeners only when the settings changed', () => {
    const facts = factsSource({ membership: null, centralized: null });
    const effective = createEffectiveSettings(createLiveConfig(config('secondary'), log), facts.source, log);
    const seen: EffectiveSnapshot[] = [];
    effective.onChange((next) => seen.push(next));
    expect(effective.mode()).toBe('standalone');

    facts.set({ membership: membership('local'), centralized: null });
    expect(effective.mode()).toBe('local');
    expect(seen).toHaveLength(0);

    facts.set({ membership: membership('centralized'), centralized: null });
    facts.set({ membership: membership('centralized'), centralized: { version: 1, settings: PRIMARY_SETTINGS} });
    expect(seen.map((e) => e.source)).toEqual(['primary 10.0.0.1:7443: no settings received yet', 'primary 10.0.0.1:7443, version 1']);
    expect(effective.current().mailServer.sender).toBe('primary@example.com');

    facts.set({ membership: null, centralized: null });
    expect(effective.mode()).toBe('standalone');
    expect(effective.current().mailServer.sender).toBe('own@example.com');
  });
});
