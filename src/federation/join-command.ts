/**
 * The `join` command a secondary's operator pastes, with the address of this primary as a
 * secondary dials it. One function for every door that shows it (`token create`, the Web
 * Console), so that they never disagree.
 */
import { hostname } from 'node:os';
import { formatHostPort, parseHostPort } from '../util/address.js';

/** Listening on every address says nothing about which one a secondary reaches. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/**
 * Where secondaries reach this primary: `federation.advertise` when set (its port, else the bound
 * one); else the bound address, with the machine's name in place of a wildcard host.
 * `bound` is `federation.listen` with the port actually bound.
 */
export function joinAddress(bound: string, advertise: string | null, machineName: string = hostname()): string {
  const listening = parseHostPort(bound, null);
  if ('error' in listening) return bound;
  if (advertise !== null) {
    const advertised = parseHostPort(advertise, 0);
    if (!('error' in advertised)) return formatHostPort({ host: advertised.host, port: advertised.port === 0 ? listening.port : advertised.port });
  }
  return WILDCARD_HOSTS.has(listening.host) ? formatHostPort({ host: machineName, port: listening.port }) : formatHostPort(listening);
}

/** Ready to paste on a secondary; `--centralize` because that is the fleet's usual choice. */
export function joinCommand(address: string, token: string): string {
  return `appliance-mail join --primary ${address} --token ${token} --centralize`;
}
