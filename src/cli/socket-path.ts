/**
 * Where the CLI finds the daemon. The config's control.socket, read leniently: a config the
 * daemon refused must not stop `status` from showing that very error.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIG_DEFAULTS } from '../config/schema.js';
import { AppError } from '../errors/registry.js';

export function controlSocketPath(configFile: string): string {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw new AppError('AM_CONFIG_UNREADABLE', `cannot read config ${resolve(configFile)}: ${(err as Error).message}`, { cause: err });
  }
  let socket: unknown;
  try {
    socket = (JSON.parse(text) as { control?: { socket?: unknown } }).control?.socket;
  } catch {
    socket = undefined;
  }
  return resolve(dirname(resolve(configFile)), typeof socket === 'string' && socket !== '' ? socket : CONFIG_DEFAULTS.controlSocket);
}
