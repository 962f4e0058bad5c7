import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';

const UNIT = resolve(import.meta.dirname, '../../systemd/appliance-mail.service');
const TMPFILES = resolve(import.meta.dirname, '../../systemd/appliance-mail.tmpfiles');

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

  it('creates sendmail\'s drop folder with mode 1730, owned by the daemon\'s user and group, and lets the daemon write it', async () => {
    expect(readFileSync(UNIT, 'utf8')).toContain('\nReadWritePaths=-/var/spool/appliance-mail\n');
    // systemd-tmpfiles on an image root of its own: the users are that root's, nothing of this host changes.
    const root = await mkdtemp(join(tmpdir(), 'am-tmpfiles-'));
    try {
      await mkdir(join(root, 'etc'));
      await writeFile(join(root, 'etc/passwd'), 'appliance-mail:x:991:992::/var/lib/appliance-mail:/usr/sbin/nologin\n');
      await writeFile(join(root, 'etc/group'), 'appliance-mail:x:992:\n');
      await promisify(execFile)('systemd-tmpfiles', ['--create', `--root=${root}`, TMPFILES]);
      const folder = await stat(join(root, 'var/spool/appliance-mail'));
      expect({ mode: (folder.mode & 0o7777).toString(8), uid: folder.uid, gid: folder.gid }).toEqual({ mode: '1730', uid: 991, gid: 992 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
