/**
 * Files holding secrets must be readable by the daemon's user and root only: a submitter is a
 * member of the control socket's group, so a group-readable file would hand it the password (or
 * the console's or the federation port's private key).
 */
import { stat } from 'node:fs/promises';
import { describeAccess } from '../util/accounts.js';
import type { Config } from './load.js';

/** Fields naming a private key: the key is a secret as the password is. */
const KEY_FIELDS = new Set(['console.keyFile', 'federation.keyFile']);

/** One warning per secret-holding file that its group or others may read. */
export async function secretFileWarnings(config: Config): Promise<string[]> {
  const secrets = [
    ...config.secretFiles.map((file) => ({ file, holds: 'the SMTP password' })),
    ...config.files.filter((f) => KEY_FIELDS.has(f.field)).map((f) => ({ file: f.path, holds: `the private key of ${f.field.replace('.keyFile', '')}` })),
  ];
  const warnings: string[] = [];
  for (const { file, holds } of secrets) {
    const info = await stat(file).catch(() => null);
    if (info === null || (info.mode & 0o044) === 0) continue;
    warnings.push(`${file} holds ${holds} and is readable beyond the daemon's user (${describeAccess(info.uid, info.gid, info.mode, 'read')}): chmod 0600 it`);
  }
  return warnings;
}
