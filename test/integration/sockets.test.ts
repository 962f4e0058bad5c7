/**
 * The control sockets of daemons that share a folder (issue 24 item 5): each derives its own
 * administrators' socket from control.socket, and a daemon that fails at start answers nothing.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { defaultAdminSocket } from '../../src/config/defaults.js';
import { baseConfig, DaemonProcess, tempDir, writeJson } from '../helpers/daemon.js';

describe('control sockets', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
  });

  it('derives the administrators\' socket from control.socket, keeping admin.sock beside control.sock', () => {
    expect(defaultAdminSocket('/x/a.sock')).toBe('/x/a.admin.sock');
    expect(defaultAdminSocket('/x/b')).toBe('/x/b.admin.sock');
    expect(defaultAdminSocket('/run/appliance-mail/control.sock')).toBe('/run/appliance-mail/admin.sock');
  });

  it('two daemons with <dir>/a.sock and <dir>/b.sock both start, and each answers only for itself', async () => {
    const shared = await tempDir('am-sockets-');
    for (const name of ['a', 'b']) {
      const dir = await tempDir(`am-node-${name}-`);
      const configPath = join(dir, 'config.json');
      await writeJson(configPath, baseConfig(name, { control: { socket: join(shared, `${name}.sock`) } }));
      const daemon = new DaemonProcess(configPath);
      daemons.push(daemon);
      await daemon.ready();
    }
    for (const name of ['a', 'b']) {
      for (const socket of [`${name}.sock`, `${name}.admin.sock`]) {
        const control = connectControl(join(shared, socket));
        try {
          const status = await control.status();
          expect(status.node_name).toBe(name);
          expect(status.admin_socket).toBe(join(shared, `${name}.admin.sock`));
        } finally {
          control.close();
        }
      }
    }
    expect(daemons.every((d) => d.running)).toBe(true);
  });

  it('a daemon that fails at start (its console port taken) answers no call on its sockets before it exits', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const dir = await tempDir('am-failing-');
      const configPath = join(dir, 'config.json');
      await writeJson(configPath, baseConfig('failing', { console: { listen: `127.0.0.1:${port}` } }));
      const daemon = new DaemonProcess(configPath);
      // The console makes its certificate before it binds: the sockets are bound by then.
      const control = connectControl(join(dir, 'admin.sock'));
      let answered = 0;
      let asked = 0;
      const exited = daemon.exited;
      let done = false;
      void exited.then(() => (done = true));
      try {
        while (!done) {
          asked++;
          await Promise.race([control.status().then(() => answered++, () => undefined), exited]);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        control.close();
      }
      expect((await exited).code).not.toBe(0);
      expect(daemon.stderr + daemon.rawLines.join('\n')).toMatch(/console/i);
      expect(asked).toBeGreaterThan(0);
      expect(answered).toBe(0);
    } finally {
      taken.close();
    }
  });
});
