import { describe, expect, it } from 'vitest';
import { defaultHeloName, heloNameWarning } from '../../src/config/helo-name.js';
import { parseConfig } from '../../src/config/load.js';

const DEBIAN_HOSTS = '127.0.0.1\tlocalhost\n127.0.1.1\tvm.branch.example.com vm\n# ::1 vm.wrong.example\n';
const noHosts = () => {
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};

describe('the default EHLO name', () => {
  it("is the host's name when it is fully qualified", () => {
    expect(defaultHeloName('node-1', 'mx.example.com', () => DEBIAN_HOSTS)).toBe('mx.example.com');
  });

  it("is the host's fully qualified alias from /etc/hosts, as hostname -f finds it", () => {
    expect(defaultHeloName('node-1', 'vm', () => DEBIAN_HOSTS)).toBe('vm.branch.example.com');
  });

  it('is node.name under .localdomain otherwise (underscores made dashes)', () => {
    expect(defaultHeloName('engine_2', 'vm', () => '127.0.0.1 localhost\n127.0.0.1 vm\n')).toBe('engine-2.localdomain');
    expect(defaultHeloName('engine-2', 'vm', noHosts)).toBe('engine-2.localdomain');
  });
});

describe('mailServer.heloName', () => {
  const config = (mailServer: Record<string, unknown>) =>
    parseConfig(JSON.stringify({ node: { name: 'n1', role: 'primary', stateDir: '/tmp/x' }, mailServer: { enabled: false, ...mailServer } }), '/etc/am/config.json');

  it('is used as given, and has a default with a dot when not given', () => {
    expect(config({ heloName: 'appliance-1.example.com' }).heloName).toBe('appliance-1.example.com');
    expect(config({}).heloName).toMatch(/\./);
  });

  it('refuses what is no DNS name, naming the key', () => {
    for (const bad of ['bad name', '10.0.0.1', 'x..example.com', '-a.example.com']) {
      expect(() => config({ heloName: bad }), bad).toThrow(/mailServer\.heloName: '.*' is not a DNS name/);
    }
  });

  it('earns a status warning only while it is not fully qualified', () => {
    expect(heloNameWarning('vm')).toMatch(/'vm' is not fully qualified.*reject_non_fqdn_helo_hostname.*mailServer\.heloName/);
    expect(heloNameWarning('vm.example.com')).toBeNull();
    expect(heloNameWarning('n1.localdomain')).toBeNull();
  });
});
