/**
 * A settings form's POST turned into a change of the config file: a field the POST does not carry
 * (a page from before an upgrade, a request made by hand) is refused, not read as emptied.
 */
import { describe, expect, it } from 'vitest';
import type { PageContext } from '../../src/console/layout.js';
import { formEdit } from '../../src/console/settings-form-edit.js';
import { formFields, valuesFromBody, type SettingsFormSpec } from '../../src/console/settings-form-model.js';
import type { DaemonStatus } from '../../src/control/status.js';

const spec: SettingsFormSpec = {
  path: '/test',
  title: 'Test',
  groups: [{ keys: ['portal.address'] }, { legend: 'relay', keys: ['relay.maxAge', 'relay.maxMessageBytes', 'relay.retryMin'] }],
  effective: () => ({ values: new Map(), secretsSet: new Set() }),
};
const fields = formFields(spec);
const context = (mode: string) => ({ user: 'admin', csrf: '', status: { mode } as unknown as DaemonStatus, path: '/test', notices: [] }) as PageContext;
const saved = () => ({ portal: { address: 'portal.example.com' }, relay: { maxAge: '5d', maxMessageBytes: 1000000 } });

describe('settings form edit', () => {
  it('writes every field sent, and removes a key whose field was sent empty', () => {
    const json = saved();
    const issues = formEdit(spec, fields, context('local'), valuesFromBody(fields, { address: 'other.example.com', maxAge: '', maxMessageBytes: '2000', retryMin: '' }))(json);
    expect(issues).toEqual([]);
    expect(json).toEqual({ portal: { address: 'other.example.com' }, relay: { maxMessageBytes: 2000 } });
  });

  it('refuses whole, naming each one, a POST that leaves fields out; the file is untouched', () => {
    const json = saved();
    const issues = formEdit(spec, fields, context('local'), valuesFromBody(fields, { address: 'other.example.com', retryMin: '' }))(json);
    expect(issues).toEqual([
      { path: 'relay.maxAge', message: expect.stringMatching(/was not sent with the form; nothing was saved/) },
      { path: 'relay.maxMessageBytes', message: expect.stringMatching(/reload the page/) },
    ]);
    expect(json).toEqual(saved());
  });

  it('a locked field (federated, on a centralized secondary) is not expected in the POST', () => {
    const json = saved();
    const issues = formEdit(spec, fields, context('centralized'), valuesFromBody(fields, { maxAge: '7d', maxMessageBytes: '1000000', retryMin: '' }))(json);
    expect(issues).toEqual([]);
    expect(json).toEqual({ portal: { address: 'portal.example.com' }, relay: { maxAge: '7d', maxMessageBytes: 1000000 } });
  });
});
