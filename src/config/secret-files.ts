/**
 * The SMTP password must be readable by the daemon's user and root only: a submitter is a member
 * of the control socket's group, so a group-readable file would hand it the password.
 */
import { stat } from 'node:fs/promises';
import { describeAccess } from '../util/accounts.js';
import type { Config } from './load.js';

/** One warning per secret-holding file that its group or others may read. */
export async function secretFileWarnings(config: Config): Promise<string[]> {
  const warnings: string[] = [];
  for (const file of config.secretFiles) {
    const info = await stat(file).catch(() => null);
    if (info === null || (info.mode & 0o044) === 0) continue;
    warnings.push(
      `${file} holds the SMTP password and is readable beyond the daemon's user (${describeAccess(info.uid, info.gid, info.mode, 'read')}): chmod 0600 it`,
    );
  }
  return warnings;
}
