/**
 * Where the CLI finds the daemon: the config's control sockets and sendmail's drop folder, read
 * leniently, so that a typo in the config (the daemon keeps running on its last good one) does
 * not send the CLI to the default socket: a JSON slip (a trailing comma, a missing brace) still
 * leaves the sections' strings readable. What is wrong with the config is said alongside. A
 * submitter may not read the config (it can hold the password): then the defaults, or
 * $APPLIANCE_MAIL_SOCKET.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIG_DEFAULTS, controlSockets } from '../config/defaults.js';
import { AppError } from '../errors/registry.js';

export interface SocketPaths {
  socket: string;
  adminSocket: string;
  /** submission.dropFolder: where sendmail leaves mail while the daemon cannot take it. */
  dropFolder: string;
  /**
   * What the daemon would say of the config file, when it refuses it; null when it is good or
   * unread. Asked only when the daemon cannot be reached: it loads the config's schema (zod), which
   * a command that reaches the daemon does without.
   */
  configProblem(): Promise<string | null>;
}

type Sections = { control: Record<string, unknown>; submission: Record<string, unknown> };

/** $APPLIANCE_MAIL_SOCKET and $APPLIANCE_MAIL_DROP_FOLDER, for a submitter who may not read the config, win over it. */
export function controlSocketPaths(configFile: string, env: NodeJS.ProcessEnv): SocketPaths {
  const socket = env['APPLIANCE_MAIL_SOCKET'];
  const dropFolder = env['APPLIANCE_MAIL_DROP_FOLDER'];
  const given = { control: socket ? { socket } : {}, submission: dropFolder ? { dropFolder } : {} };
  if (socket) return fromSections(given, process.cwd(), noProblem);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return fromSections(given, process.cwd(), noProblem);
    throw new AppError('AM_CONFIG_UNREADABLE', `cannot read config ${resolve(configFile)}: ${(err as Error).message}`, { cause: err });
  }
  const read = readSections(text);
  const base = dirname(resolve(configFile));
  const paths = fromSections(read, base, () => configProblem(text, resolve(configFile)));
  return dropFolder ? { ...paths, dropFolder: resolve(dropFolder) } : paths;
}

/** The control and submission sections: parsed, or picked out of a file that is not JSON any more. */
function readSections(text: string): Sections {
  try {
    const json = JSON.parse(text) as { control?: unknown; submission?: unknown };
    const object = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
    return { control: object(json.control), submission: object(json.submission) };
  } catch {
    return { control: pickStrings(text, 'control'), submission: pickStrings(text, 'submission') };
  }
}

/** The string fields of a flat `"name": { ... }` section, found by pattern in text that does not parse. */
function pickStrings(text: string, section: string): Record<string, unknown> {
  const body = new RegExp(`"${section}"\\s*:\\s*\\{([^{}]*)\\}`).exec(text)?.[1] ?? '';
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const match of body.matchAll(/"(\w+)"\s*:\s*("(?:[^"\\\n]|\\.)*")/g)) {
    try {
      fields[match[1]!] = JSON.parse(match[2]!) as unknown;
    } catch {
      // Not a string after all: that field keeps its default.
    }
  }
  return fields;
}

/** The daemon's own words on a config it would refuse (positions and fields, never the text). */
async function configProblem(text: string, path: string): Promise<string | null> {
  const { parseConfig } = await import('../config/load.js');
  try {
    parseConfig(text, path);
    return null;
  } catch (err) {
    // A password file a submitter may not read is no fault of the config.
    return (err as AppError).code === 'AM_CONFIG_INVALID' ? (err as Error).message : null;
  }
}

const noProblem = () => Promise.resolve(null);

function fromSections(sections: Sections, base: string, problem: SocketPaths['configProblem']): SocketPaths {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const { socket, adminSocket } = controlSockets(
    {
      socket: text(sections.control['socket']) ?? CONFIG_DEFAULTS.controlSocket,
      socketMode: CONFIG_DEFAULTS.controlSocketMode,
      adminSocket: text(sections.control['adminSocket']),
      adminSocketMode: CONFIG_DEFAULTS.adminSocketMode,
    },
    base,
  );
  const dropFolder = resolve(base, text(sections.submission['dropFolder']) ?? CONFIG_DEFAULTS.dropFolder);
  return { socket, adminSocket, dropFolder, configProblem: problem };
}
