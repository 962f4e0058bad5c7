import { connectControl, type Control } from '../control/client.js';
import { configPath, type CommandContext, type ParsedArgs } from './command.js';
import { controlSocketPaths } from './socket-path.js';

/** Connects to the daemon's submitters' socket, runs `use`, and always disconnects. */
export function withControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  return through(controlSocketPaths(configPath(args, ctx.env), ctx.env).socket, use);
}

/** The same through the administrators' socket: tokens, nodes, join, modes, outbox admin, test email. */
export function withAdminControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  return through(controlSocketPaths(configPath(args, ctx.env), ctx.env).adminSocket, use);
}

async function through<T>(socketPath: string, use: (control: Control) => Promise<T>): Promise<T> {
  const control = connectControl(socketPath);
  try {
    return await use(control);
  } finally {
    control.close();
  }
}
