/** A primary and secondaries as real daemon processes, each in its own folder, on loopback. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectControl, type Control } from '../../src/control/client.js';
import { DaemonProcess, runCli, tempDir, writeJson, type Json } from './daemon.js';

export interface Node {
  name: string;
  dir: string;
  configPath: string;
  config: Json;
  daemon: DaemonProcess;
  control: Control;
  /** Rewrites the config file (in place) with `change` applied. */
  edit(change: (config: any) => void): Promise<void>;
  restart(): Promise<void>;
  cli(args: string[]): ReturnType<typeof runCli>;
}

export async function startNode(name: string, config: Json, prefix?: string[]): Promise<Node> {
  const dir = await tempDir(`am-${name}-`);
  const configPath = join(dir, 'config.json');
  await writeJson(configPath, config);
  const node: Node = {
    name,
    dir,
    configPath,
    config,
    daemon: new DaemonProcess(configPath, { prefix }),
    control: connectControl(join(dir, 'admin.sock')),
    async edit(change) {
      const next = structuredClone(node.config);
      change(next);
      node.config = next;
      await writeFile(configPath, JSON.stringify(next, null, 2));
    },
    async restart() {
      if (node.daemon.running) await node.daemon.stop();
      node.daemon = new DaemonProcess(configPath, { prefix });
      await node.daemon.ready();
    },
    cli: (args) => runCli([...args, '--config', configPath]),
  };
  await node.daemon.ready();
  return node;
}

export async function joinNode(primary: Node, secondary: Node, federationPort: number, centralize: boolean, host = '127.0.0.1'): Promise<void> {
  const token = await primary.cli(['token', 'create']);
  if (token.code !== 0) throw new Error(`token create failed: ${token.stderr}`);
  const joined = await secondary.cli(['join', '--primary', `${host}:${federationPort}`, '--token', token.stdout.trim(), ...(centralize ? ['--centralize'] : [])]);
  if (joined.code !== 0) throw new Error(`join failed: ${joined.stderr}`);
}
