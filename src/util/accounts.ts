/** Names for uids and gids, for messages such as "root and members of group mail may use it". */
import { readFileSync } from 'node:fs';

function lookup(file: string, id: number): string {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[2] === String(id) && fields[0]) return fields[0];
    }
  } catch {
    // No /etc/passwd (a minimal container): the number is still an answer.
  }
  return `#${id}`;
}

const userName = (uid: number): string => lookup('/etc/passwd', uid);
const groupName = (gid: number): string => lookup('/etc/group', gid);

/**
 * Who may use a file with this owner, group and mode, in words: connect to a socket ('write'),
 * or read a file ('read').
 */
export function describeAccess(uid: number, gid: number, mode: number, access: 'read' | 'write' = 'write'): string {
  const bit = access === 'read' ? 0o4 : 0o2;
  const who = [`user ${userName(uid)}`];
  if (mode & (bit << 3)) who.push(`members of group ${groupName(gid)}`);
  if (mode & bit) who.push('every local user');
  return `${who.join(', ')} (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`;
}
