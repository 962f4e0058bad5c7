/**
 * The name this Appliance gives itself in EHLO and in its Message-IDs (mailServer.heloName).
 * Strict mail servers (Postfix's reject_non_fqdn_helo_hostname) refuse a name without a dot, such
 * as the bare host name `vm` that os.hostname() often is; so the default is a fully qualified name.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { isHostname } from '../util/address.js';

/** Where the default looks for the host's fully qualified name, as `hostname -f` does first on Debian. */
const HOSTS_FILE = '/etc/hosts';

/** A name with at least two labels: what a strict server calls fully qualified. */
export function isFullyQualified(name: string): boolean {
  return isIP(name) === 0 && name.replace(/\.$/, '').includes('.');
}

/** A DNS name (not an address: EHLO wants one in brackets, which the relay does not send). */
export function heloNameProblem(value: string): string | null {
  return isIP(value) === 0 && isHostname(value) ? null : `'${value.slice(0, 100)}' is not a DNS name such as appliance-1.example.com`;
}

/**
 * The default: the host's name when it is fully qualified; else the first fully qualified alias
 * /etc/hosts gives it (Debian's installer writes `127.0.1.1 vm.example.com vm`); else
 * `NODE.localdomain`. Not DNS: the config is read synchronously and must not change with a
 * resolver's mood; /etc/hosts is what `hostname -f` consults first, and it is local.
 */
export function defaultHeloName(nodeName: string, host: string = hostname(), hosts: () => string = () => readFileSync(HOSTS_FILE, 'utf8')): string {
  if (isFullyQualified(host) && heloNameProblem(host) === null) return host;
  const alias = hostsAlias(host, hosts);
  if (alias !== null) return alias;
  // node.name allows underscores, which a DNS name does not.
  return `${nodeName.replace(/_/g, '-').replace(/\.$/, '')}.localdomain`;
}

function hostsAlias(host: string, hosts: () => string): string | null {
  let text: string;
  try {
    text = hosts();
  } catch {
    return null;
  }
  const short = host.toLowerCase();
  for (const line of text.split('\n')) {
    const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (!names.some((n) => n.toLowerCase() === short || n.toLowerCase().split('.')[0] === short)) continue;
    const full = names.find((n) => n.toLowerCase().startsWith(`${short}.`) && isFullyQualified(n) && heloNameProblem(n) === null);
    if (full !== undefined) return full;
  }
  return null;
}

/**
 * A status warning while the name in force is not fully qualified (a name the operator set
 * without a dot), else null. `NODE.localdomain` passes: it has the dot strict servers ask for.
 */
export function heloNameWarning(name: string): string | null {
  if (isFullyQualified(name)) return null;
  return `the EHLO name '${name}' is not fully qualified: servers that check it (Postfix's reject_non_fqdn_helo_hostname) refuse every message; set mailServer.heloName to this Appliance's DNS name`;
}
