import { accessSync, constants, existsSync } from 'node:fs';
import { connectControl, type Control } from '../control/client.js';
import { AppError } from '../errors/registry.js';
import { configPath, type CommandContext, type ParsedArgs } from './command.js';
import { controlSocketPaths, type SocketPaths } from './socket-path.js';

/** Connects to the daemon's submitters' socket, runs `use`, and always disconnects. */
export function withControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const paths = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  if (!mayConnect(paths.socket)) {
    throw new AppError('AM_DAEMON_UNREACHABLE', `you may not use the control socket ${paths.socket}: submitters must be members of the group that owns it (see status 'Control socket')`);
  }
  return through(paths, use);
}

/**
 * Status for whoever asks: through the administrators' socket when this user may use it (the
 * whole status), else through the submitters' one (the status without what only they may see).
 */
export function withStatusControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const paths = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  return through({ ...paths, socket: existsSync(paths.adminSocket) && mayConnect(paths.adminSocket) ? paths.adminSocket : paths.socket }, use);
}

/** The same through the administrators' socket: tokens, nodes, join, modes, outbox admin, test email. */
export function withAdminControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const paths = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  if (!mayConnect(paths.adminSocket)) {
    throw new AppError('AM_ADMIN_ONLY', `this is an administrator's command and you may not use the administrators' socket ${paths.adminSocket}; run it as root (sudo) or as the daemon's user`);
  }
  return through({ ...paths, socket: paths.adminSocket }, use);
}

/** False only when the socket exists and this user may not write to it; a missing one is "unreachable" later. */
function mayConnect(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EACCES';
  }
}

/**
 * Runs `use` over `paths.socket`. When the daemon cannot be reached and the config has an error,
 * the error says so: the socket was read leniently from a file the daemon would refuse.
 */
async function through<T>(paths: SocketPaths, use: (control: Control) => Promise<T>): Promise<T> {
  const control = connectControl(paths.socket);
  try {
    return await use(control);
  } catch (err) {
    if ((err as AppError).code !== 'AM_DAEMON_UNREACHABLE') throw err;
    const problem = await paths.configProblem();
    if (problem === null) throw err;
    throw new AppError('AM_DAEMON_UNREACHABLE', `${(err as Error).message}; note that the config has an error (a running daemon keeps its last good config): ${problem}`, { cause: err });
  } finally {
    control.close();
  }
}
