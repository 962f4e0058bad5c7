/**
 * Where the CLI finds the daemon: the config's control sockets, read leniently (a config the
 * daemon refused must not stop `status` from showing that very error). A submitter may not read
 * the config (it can hold the password): then the default socket, or $APPLIANCE_MAIL_SOCKET.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { controlSockets } from '../config/load.js';
import { CONFIG_DEFAULTS } from '../config/schema.js';
import { AppError } from '../errors/registry.js';

export interface SocketPaths {
  socket: string;
  adminSocket: string;
}

export function controlSocketPaths(configFile: string, env: NodeJS.ProcessEnv): SocketPaths {
  const given = env['APPLIANCE_MAIL_SOCKET'];
  if (given) return fromSection({ socket: given }, process.cwd());
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return fromSection({}, '/');
    throw new AppError('AM_CONFIG_UNREADABLE', `cannot read config ${resolve(configFile)}: ${(err as Error).message}`, { cause: err });
  }
  let section: Record<string, unknown> = {};
  try {
    const control = (JSON.parse(text) as { control?: unknown }).control;
    if (typeof control === 'object' && control !== null) section = control as Record<string, unknown>;
  } catch {
    // Unparseable: the defaults, so that status can still show the daemon's own word on it.
  }
  return fromSection(section, dirname(resolve(configFile)));
}

function fromSection(section: Record<string, unknown>, base: string): SocketPaths {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const { socket, adminSocket } = controlSockets(
    {
      socket: text(section['socket']) ?? CONFIG_DEFAULTS.controlSocket,
      socketMode: CONFIG_DEFAULTS.controlSocketMode,
      adminSocket: text(section['adminSocket']),
      adminSocketMode: CONFIG_DEFAULTS.adminSocketMode,
    },
    base,
  );
  return { socket, adminSocket };
}
