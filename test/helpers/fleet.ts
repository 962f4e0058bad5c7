/** A primary and secondaries as real daemon processes, each in its own folder, on loopback. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectControl, type Control } from '../../src/control/client.js';
import { RECONNECT_BACKOFF } from '../../src/util/backoff.js';
import { DaemonProcess, runCli, tempDir, writeJson, type Json } from './daemon.js';

/**
 * How long a secondary that stayed up through a primary outage may take to be back once the
 * primary is: its next attempt may be up to the backoff cap away (full jitter), then it connects.
 */
export const RECONNECT_WITHIN_MS = RECONNECT_BACKOFF.capMs + 10_000;

export interface Node {
  name: string;
  dir: string;
  configPath: string;
  config: Json;
  daemon: DaemonProcess;
  control: Control;
  /**
   * The federation port a primary's daemon bound (0 otherwise). Test configs listen on port 0 and
   * read the port back from status; a restart keeps it (see `restart`).
   */
  federationPort: number;
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
    federationPort: 0,
    async edit(change) {
      const next = structuredClone(node.config);
      change(next);
      node.config = next;
      await writeFile(configPath, JSON.stringify(next, null, 2));
    },
    /** Stops the daemon if it runs (a test may have killed it) and starts it again on the same federation port. */
    async restart() {
      if (node.daemon.running) await node.daemon.stop();
      await pinFederationPort();
      node.daemon = new DaemonProcess(configPath, { prefix });
      await node.daemon.ready();
    },
    cli: (args) => runCli([...args, '--config', configPath]),
  };
  /**
   * Secondaries know the primary by the address they joined: a restarted primary must come back
   * on the port it had, so a config file that says port 0 is given that port before the restart.
   */
  async function pinFederationPort(): Promise<void> {
    const onFile = JSON.parse(await readFile(configPath, 'utf8'));
    const listen: unknown = onFile.federation?.listen;
    if (node.federationPort === 0 || typeof listen !== 'string' || !listen.endsWith(':0')) return;
    onFile.federation.listen = `${listen.slice(0, -2)}:${node.federationPort}`;
    node.config = onFile;
    await writeFile(configPath, JSON.stringify(onFile, null, 2));
  }
  await node.daemon.ready();
  const listen = (await node.control.status()).federation?.listen ?? '';
  node.federationPort = Number(/:(\d+)$/.exec(listen)?.[1] ?? 0);
  return node;
}

/**
 * Joins `secondary` to `primary` as set-up, over the administrators' sockets: the same CreateToken
 * and Join calls `token create` and `join` make (each CLI run costs a Node start, ~1 CPU-s). The
 * commands themselves are tested where they are the subject (federation, federation-gaps,
 * settings-wire, privilege).
 */
export async function joinNode(primary: Node, secondary: Node, federationPort: number, centralize: boolean, host = '127.0.0.1'): Promise<void> {
  const { token } = await primary.control.createToken({ ttl_seconds: 0 });
  await secondary.control.join({ primary: `${host}:${federationPort}`, token, centralize });
}
