import { accessSync, constants, existsSync } from 'node:fs';
import { connectControl, type Control } from '../control/client.js';
import { AppError } from '../errors/registry.js';
import { configPath, type CommandContext, type ParsedArgs } from './command.js';
import { controlSocketPaths } from './socket-path.js';

/** Connects to the daemon's submitters' socket, runs `use`, and always disconnects. */
export function withControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const { socket } = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  if (!mayConnect(socket)) {
    throw new AppError('AM_DAEMON_UNREACHABLE', `you may not use the control socket ${socket}: submitters must be members of the group that owns it (see status 'Control socket')`);
  }
  return through(socket, use);
}

/**
 * Status for whoever asks: through the administrators' socket when this user may use it (the
 * whole status), else through the submitters' one (the status without what only they may see).
 */
export function withStatusControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const { socket, adminSocket } = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  return through(existsSync(adminSocket) && mayConnect(adminSocket) ? adminSocket : socket, use);
}

/** The same through the administrators' socket: tokens, nodes, join, modes, outbox admin, test email. */
export function withAdminControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const { adminSocket } = controlSocketPaths(configPath(args, ctx.env), ctx.env);
  if (!mayConnect(adminSocket)) {
    throw new AppError('AM_ADMIN_ONLY', `this is an administrator's command and you may not use the administrators' socket ${adminSocket}; run it as root (sudo) or as the daemon's user`);
  }
  return through(adminSocket, use);
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

async function through<T>(socketPath: string, use: (control: Control) => Promise<T>): Promise<T> {
  const control = connectControl(socketPath);
  try {
    return await use(control);
  } finally {
    control.close();
  }
}
