/**
 * What the threat model in the README promises, checked on real daemons: TLS 1.2 at least on
 * the federation port (whatever NODE_OPTIONS says), every file under stateDir readable by the daemon alone, the control
 * socket for owner and group only.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';

async function walk(dir: string): Promise<Array<{ path: string; mode: number; dir: boolean }>> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push({ path, mode: (await stat(path)).mode & 0o777, dir: entry.isDirectory() });
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

function handshake(port: number, options: { minVersion?: string; maxVersion?: string; ciphers?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'], ...(options as object) });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.destroy();
    });
    socket.once('error', (err) => resolve(`refused: ${err.message}`));
  });
}

describe('security', () => {
  let primary: Node;
  let secondary: Node;
  let fedPort: number;

  beforeAll(async () => {
    primary = await startNode('sec-primary', baseConfig('sec-primary', { federation: { listen: '127.0.0.1:0' } }));
    fedPort = primary.federationPort;
    secondary = await startNode('sec-secondary', baseConfig('sec-secondary', { node: { name: 'sec-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    await joinNode(primary, secondary, fedPort, true);
    await eventually(async () => ((await secondary.control.status()).federation?.applied_version === '1' ? true : undefined), 10_000);
    await secondary.cli(['alert', '--to', 'a@example.com', '--subject', 's', '--text', 'x']);
  });
  afterAll(async () => {
    for (const n of [primary, secondary]) {
      n?.control.close();
      await n?.daemon.stop();
    }
  });

  it('the federation port speaks TLS 1.2 and 1.3 only', async () => {
    expect(await handshake(fedPort, {})).toBe('TLSv1.3');
    expect(await handshake(fedPort, { maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    // The client offers TLS 1.0/1.1 only (and lowers its own security level to be able to):
    // the server must refuse.
    expect(await handshake(fedPort, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^refused: .*alert protocol version/);
  });

  it('the federation port refuses TLS 1.1 even when NODE_OPTIONS lowers Node\'s default', async () => {
    const dir = await tempDir('am-tls-min-');
    await writeJson(join(dir, 'config.json'), baseConfig('tls-min', { federation: { listen: '127.0.0.1:0' } }));
    // What an operator's environment might carry: TLS 1.0 allowed, and OpenSSL's security level
    // lowered so that TLS 1.0/1.1 could actually be negotiated.
    const daemon = new DaemonProcess(join(dir, 'config.json'), { env: { NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0' } });
    try {
      await daemon.ready();
      const listening = await daemon.waitForLog((line) => line['msg'] === 'federation listening');
      const port = Number(/:(\d+)$/.exec(String(listening['listen']))?.[1]);
      expect(await handshake(port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^refused: .*alert protocol version/);
      expect(await handshake(port, { maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    } finally {
      await daemon.stop();
    }
  });

  it('every file under stateDir is 0600 and every folder 0700, on a primary and a secondary', async () => {
    for (const node of [primary, secondary]) {
      const entries = await walk(join(node.dir, 'state'));
      const files = entries.filter((e) => !e.dir);
      // Kept configurations are named by their hash: one or more, all 0600 like the rest. Only a
      // primary maps the settings versions it published to them (published.json).
      const names = [...new Set(files.map((f) => f.path.split('/state/')[1]!.replace(/^audit\/configs\/[0-9a-f]+\.json$/, 'audit/configs/*.json')))].sort();
      const audit = ['audit/configs/*.json', 'audit/hmac.key', 'audit/trail.jsonl'];
      expect(names).toEqual(
        node === primary
          ? [...audit, 'audit/published.json', 'daemon.lock', 'daemon.pid', 'federation-cert.pem', 'federation-key.pem', 'nodes.jsonl', 'outbox/journal-00000001.log', 'state.json'].sort()
          : [...audit, 'daemon.lock', 'daemon.pid', 'outbox/journal-00000001.log', 'state.json'],

      );
      for (const e of entries) expect([e.path, e.mode.toString(8)]).toEqual([e.path, e.dir ? '700' : '600']);
    }
    expect((await stat(join(primary.dir, 'state'))).mode & 0o777).toBe(0o700);
  });

  it('the control socket is for owner and group, and status says who may use it', async () => {
    expect((await stat(join(secondary.dir, 'control.sock'))).mode & 0o777).toBe(0o660);
    expect((await secondary.cli(['status'])).stdout).toMatch(/Control socket\s+\S+control\.sock: user \S+, members of group \S+ \(mode 0660\)/);
  });
});
