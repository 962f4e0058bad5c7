/**
 * sd_notify for `Type=notify`: READY=1 once the daemon serves, STOPPING=1 when it begins to stop,
 * and the watchdog's heartbeat when the unit asks for one (WatchdogSec=).
 *
 * $NOTIFY_SOCKET is a Unix datagram socket (a path, or `@name` in the abstract namespace) and
 * Node has no AF_UNIX datagrams; the choices were a native addon (unix-dgram: a compiler at
 * install time) or systemd's own `systemd-notify`, which is on every machine systemd runs on and
 * waits until the manager has read the message (its BARRIER=1), so the message is never lost when
 * the helper exits at once. The unit says NotifyAccess=all, since the helper is a child process.
 * With NOTIFY_SOCKET unset (a terminal, a test, another supervisor) every call does nothing.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../log/logger.js';

/** systemd-notify returns in milliseconds; a manager that does not read is not waited for longer. */
const NOTIFY_TIMEOUT_MS = 10_000;

export interface SystemdReadiness {
  /** True when a service manager listens (NOTIFY_SOCKET set). */
  readonly enabled: boolean;
  /** READY=1, then the watchdog heartbeat if the unit asked for one. */
  ready(status: string): Promise<void>;
  /** STOPPING=1; stops the heartbeat. */
  stopping(): Promise<void>;
}

export function createSystemdReadiness(env: NodeJS.ProcessEnv, log: Logger): SystemdReadiness {
  const socket = env['NOTIFY_SOCKET'];
  let heartbeat: NodeJS.Timeout | null = null;
  let warned = false;

  function send(assignments: string[]): Promise<void> {
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      // --pid: the message names this process as the main one, whoever sends it.
      execFile('systemd-notify', [`--pid=${process.pid}`, ...assignments], { env: { ...env, NOTIFY_SOCKET: socket }, timeout: NOTIFY_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (err && !warned) {
          // Once: a missing helper would otherwise log every heartbeat.
          warned = true;
          log.error({ err: err.message, stderr: stderr.trim() }, `cannot notify systemd (${assignments.join(' ')}); is systemd-notify installed?`);
        }
        resolve();
      });
    });
  }

  return {
    enabled: Boolean(socket),
    async ready(status) {
      await send(['READY=1', `STATUS=${status.replace(/\s+/g, ' ')}`]);
      const intervalMs = watchdogIntervalMs(env);
      if (socket && intervalMs !== null && heartbeat === null) {
        heartbeat = setInterval(() => void send(['WATCHDOG=1']), intervalMs);
        heartbeat.unref();
      }
    },
    async stopping() {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      await send(['STOPPING=1']);
    },
  };
}

/** Half the watchdog's timeout (sd_watchdog_enabled(3)); null when none is asked of this process. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  const pid = env['WATCHDOG_PID'];
  if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return null;
  return Math.max(1, Math.floor(usec / 2 / 1000));
}
