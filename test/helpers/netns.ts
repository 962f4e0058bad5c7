/**
 * Two test hosts in network namespaces of our own, joined by a veth pair: the only addresses
 * the partition tests use. Needs root and `ip` (iproute2); `netnsAvailable` says whether it works.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsPair {
  a: { ns: string; address: string; dev: string };
  b: { ns: string; address: string; dev: string };
  /** Cuts the link: packets are lost, no connection is reset. */
  cut(): void;
  restore(): void;
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

export function netnsAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  const probe = `amprobe${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns is not allowed here (${(err as Error).message.split('\n')[0]})`;
  }
}

export function createNetnsPair(): NetnsPair {
  const id = randomBytes(3).toString('hex');
  // A /30 inside namespaces that exist only for this test: no route leads anywhere else.
  const a = { ns: `am-a-${id}`, address: '10.255.77.1', dev: `ama${id}` };
  const b = { ns: `am-b-${id}`, address: '10.255.77.2', dev: `amb${id}` };
  ip('netns', 'add', a.ns);
  ip('netns', 'add', b.ns);
  ip('link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev);
  ip('link', 'set', a.dev, 'netns', a.ns);
  ip('link', 'set', b.dev, 'netns', b.ns);
  for (const end of [a, b]) {
    ip('-n', end.ns, 'addr', 'add', `${end.address}/30`, 'dev', end.dev);
    ip('-n', end.ns, 'link', 'set', end.dev, 'up');
    ip('-n', end.ns, 'link', 'set', 'lo', 'up');
  }
  return {
    a,
    b,
    cut() {
      // The link goes down: open connections are not reset, their packets are lost, as in a
      // partition. (netem and packet filters are not available on every test machine.)
      for (const end of [a, b]) ip('-n', end.ns, 'link', 'set', end.dev, 'down');
    },
    restore() {
      for (const end of [a, b]) {
        ip('-n', end.ns, 'link', 'set', end.dev, 'up');
        ip('-n', end.ns, 'addr', 'replace', `${end.address}/30`, 'dev', end.dev);
      }
    },
    destroy() {
      for (const end of [a, b]) {
        try {
          ip('netns', 'del', end.ns);
        } catch {
          // already gone
        }
      }
    },
  };
}
