/**
 * The settings catalog and the JSON Schema come from the one config schema: every key is in
 * them, their defaults are zod's, secrets are flagged, and the committed schema file and the
 * example configs agree with them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, settingsCatalog } from '../../src/config/catalog.js';
import { parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';

const ROOT = resolve(import.meta.dirname, '../..');
const catalog = settingsCatalog();
const byPath = new Map(catalog.map((entry) => [entry.path, entry]));

/** Every leaf key of a JSON Schema's object properties, dotted. */
function leafKeys(schema: Record<string, unknown>, prefix = ''): string[] {
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (properties === undefined) return [prefix.slice(0, -1)];
  return Object.entries(properties).flatMap(([key, child]) => leafKeys(child, `${prefix}${key}.`));
}

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

describe('settings catalog', () => {
  it('lists every key of the file, each with its words', () => {
    const keys = leafKeys(configJsonSchema()).filter((key) => key !== '$schema');
    expect(catalog.map((entry) => entry.path).sort()).toEqual(keys.sort());
    for (const entry of catalog) {
      expect(entry.label, entry.path).not.toBe('');
      expect(entry.help.length, entry.path).toBeGreaterThan(10);
    }
  });

  it("gives zod's defaults", () => {
    const parsed = configSchema.parse({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: false } });
    const withDefault = catalog.filter((entry) => entry.default !== undefined);
    expect(withDefault.length).toBeGreaterThan(15);
    for (const entry of withDefault) expect(at(parsed, entry.path), entry.path).toEqual(entry.default);
    expect(byPath.get('mailServer.tls')?.default).toBe(true);
    expect(byPath.get('relay.maxMessageBytes')?.default).toBe(10 * 1024 * 1024);
    expect(byPath.get('mailServer.server')).toMatchObject({ default: undefined, defaultText: 'unset', required: false });
    expect(byPath.get('node.name')).toMatchObject({ required: true });
  });

  it('flags the secrets, and only them', () => {
    expect(catalog.filter((entry) => entry.secret).map((entry) => entry.path)).toEqual(['mailServer.password', 'mailServer.oauth2.clientSecret', 'mailServer.oauth2.refreshToken']);
    const schema = configJsonSchema() as { properties: { mailServer: { properties: Record<string, { writeOnly?: boolean }> } } };
    expect(schema.properties.mailServer.properties['password']?.writeOnly).toBe(true);
    expect(schema.properties.mailServer.properties['passwordFile']?.writeOnly).toBeUndefined();
  });

  it('marks what a centralized secondary takes from its primary, and what needs a restart', () => {
    const federated = catalog.filter((entry) => entry.federated).map((entry) => entry.path);
    expect(federated.every((path) => path.startsWith('mailServer.') || path === 'notifications.recipients' || path === 'portal.address')).toBe(true);
    expect(federated).toContain('portal.address');
    expect(byPath.get('node.stateDir')?.apply).toBe('restart');
    expect(byPath.get('relay.maxAge')?.apply).toBe('live');
    expect(byPath.get('mailServer.auth')?.choices).toEqual([
      ['password', 'Username and password'],
      ['oauth2', 'OAuth2 (Microsoft 365, Google)'],
    ]);
  });
});

describe('JSON Schema', () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());

  it('is the committed config/appliance-mail.schema.json', () => {
    expect(JSON.parse(readFileSync(resolve(ROOT, 'config/appliance-mail.schema.json'), 'utf8'))).toEqual(configJsonSchema());
  });

  it.each(readdirSync(resolve(ROOT, 'config')).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json') && f !== 'digest-example.json'))(
    'accepts config/%s, which names it in $schema',
    (file) => {
      const json = JSON.parse(readFileSync(resolve(ROOT, 'config', file), 'utf8')) as Record<string, unknown>;
      expect(json['$schema']).toBe('./appliance-mail.schema.json');
      expect(validate(json) ? [] : validate.errors).toEqual([]);
    },
  );

  it('refuses what the daemon refuses for its shape: an unknown key, a wrong type', () => {
    expect(validate({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: false, pasword: 'x' } })).toBe(false);
    expect(validate({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: 'yes' } })).toBe(false);
  });

  it('the daemon accepts and ignores a $schema key', () => {
    const config = parseConfig(JSON.stringify({ $schema: './appliance-mail.schema.json', node: { name: 'n', role: 'primary', stateDir: '/tmp/x' }, mailServer: { enabled: false } }), '/etc/am/config.json');
    expect(config.node.name).toBe('n');
    expect(Object.keys(config)).not.toContain('$schema');
  });
});
