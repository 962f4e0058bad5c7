import { connectControl, type Control } from '../control/client.js';
import { configPath, type CommandContext, type ParsedArgs } from './command.js';
import { controlSocketPath } from './socket-path.js';

/** Connects to the daemon named by the command's config, runs `use`, and always disconnects. */
export async function withControl<T>(args: ParsedArgs, ctx: CommandContext, use: (control: Control) => Promise<T>): Promise<T> {
  const control = connectControl(controlSocketPath(configPath(args, ctx.env)));
  try {
    return await use(control);
  } finally {
    control.close();
  }
}
