import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';

const UNIT = resolve(import.meta.dirname, '../../systemd/appliance-mail.service');

describe.skipIf(missingTool('systemd-analyze', 'systemd'))('systemd unit', () => {
  it('passes systemd-analyze verify with no warning', async () => {
    // systemd-analyze exits 0 on unknown keys; a warning naming the unit is a failure here.
    const { stdout, stderr } = await promisify(execFile)('systemd-analyze', ['verify', UNIT]).catch((err) => {
      throw new Error(`systemd-analyze verify failed: ${err.stderr ?? err.message}`);
    });
    expect(`${stdout}${stderr}`.split('\n').filter((line) => line.includes('appliance-mail.service'))).toEqual([]);
  });

  it('runs as its own user, restarts on failure, is hardened, has state and runtime dirs', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'User=appliance-mail',
      'Restart=on-failure',
      'StateDirectory=appliance-mail',
      'RuntimeDirectory=appliance-mail',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'UMask=0077',
      'Type=notify',
      'NotifyAccess=all',
      'ExecReload=kill -HUP $MAINPID',
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
  });
});
