/**
 * A private Postfix (Debian's postfix package) for tests: its own config, queue and log folder in
 * a temp dir, started with `postfix -c DIR start` and stopped the same way; the machine's own
 * main.cf and master.cf are neither read nor written (only the package's file list in
 * /etc/postfix is read, as meta_directory), and the machine's Postfix, if it runs, is untouched. Its smtpd listens on a loopback port the
 * system picks (master.cf's `127.0.0.1:0`), read back from the master's sockets (ports.ts): no
 * port is guessed. It relays everything from loopback to `relayTo` (a test's SMTP sink), plain text.
 * Needs root (postfix start); see missingPostfix().
 */
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { eventually, runMerged, tempDir } from './daemon.js';
import { listeningPorts } from './ports.js';
import { missingCapability, missingTool, needsRoot } from './tools.js';

export interface PrivatePostfix {
  /** The loopback port its smtpd listens on. */
  port: number;
  /** Its log so far (maillog_file): what smtpd said to whom, which HELO names it refused. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** True (after a skip line, or a failure under CI) when a private Postfix cannot be started here. */
export function missingPostfix(tests: string): boolean {
  return missingTool('postfix', 'postfix', '/usr/sbin/postfix') || missingCapability(tests, needsRoot('start a private Postfix'));
}

/** `smtpd`: extra main.cf lines for its smtpd, e.g. `smtpd_helo_restrictions = reject_non_fqdn_helo_hostname`. */
export async function startPostfix(options: { relayTo: number; smtpd: string[] }): Promise<PrivatePostfix> {
  const dir = await tempDir('am-postfix-');
  // Postfix's daemons run as the postfix user: they must reach the folders under the temp dir.
  await chmod(dir, 0o755);
  const etc = join(dir, 'etc');
  const data = join(dir, 'data');
  await Promise.all([mkdir(etc), mkdir(join(dir, 'spool')), mkdir(data)]);
  const postfixUser = await runMerged('id', ['-u', 'postfix']);
  const postfixGroup = await runMerged('id', ['-g', 'postfix']);
  await chown(data, Number(postfixUser.output), Number(postfixGroup.output));
  await writeFile(join(etc, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${join(dir, 'spool')}`,
    `data_directory = ${data}`,
    'command_directory = /usr/sbin',
    'daemon_directory = /usr/lib/postfix/sbin',
    'meta_directory = /etc/postfix',
    'shlib_directory = /usr/lib/postfix',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'myhostname = relay.postfix.test',
    'mydestination =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    `relayhost = [127.0.0.1]:${options.relayTo}`,
    'smtp_tls_security_level = none',
    'alias_maps =',
    'alias_database =',
    `maillog_file_prefixes = ${dir}`,
    `maillog_file = ${join(dir, 'maillog')}`,
    ...options.smtpd,
    '',
  ].join('\n'));
  // Only the services a relay needs, none chrooted (the queue is in a temp dir).
  await writeFile(join(etc, 'master.cf'), [
    '127.0.0.1:0 inet n - n - - smtpd',
    ...['cleanup unix n - n - 0 cleanup', 'qmgr unix n - n 300 1 qmgr', 'rewrite unix - - n - - trivial-rewrite', 'bounce unix - - n - 0 bounce', 'defer unix - - n - 0 bounce', 'trace unix - - n - 0 bounce', 'verify unix - - n - 1 verify', 'flush unix n - n 1000? 0 flush', 'proxymap unix - - n - - proxymap', 'smtp unix - - n - - smtp', 'relay unix - - n - - smtp', 'error unix - - n - - error', 'retry unix - - n - - error', 'discard unix - - n - - discard', 'anvil unix - - n - 1 anvil', 'scache unix - - n - 1 scache', 'postlog unix-dgram n - n - 1 postlogd'],
    '',
  ].join('\n'));
  const log = () => readFile(join(dir, 'maillog'), 'utf8').catch(() => '');
  const started = await runMerged('/usr/sbin/postfix', ['-c', etc, 'start']);
  if (started.code !== 0) throw new Error(`postfix -c ${etc} start exited ${started.code} (as ${userInfo().username}): ${started.output} ${await log()}`);
  // Its master is a daemon of its own, not this process's child: stopped even when the test is not.
  const stopAtExit = () => spawnSync('/usr/sbin/postfix', ['-c', etc, 'stop'], { stdio: 'ignore' });
  process.once('exit', stopAtExit);
  const stop = async () => {
    process.off('exit', stopAtExit);
    await runMerged('/usr/sbin/postfix', ['-c', etc, 'stop']);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pid = await eventually(async () => (await readFile(join(dir, 'spool', 'pid', 'master.pid'), 'utf8').catch(() => '')).trim() || undefined, 10_000, 'the Postfix master pid');
    const port = await eventually(async () => (await listeningPorts(Number(pid)))[0], 10_000, 'the Postfix smtpd port');
    return { port, log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
