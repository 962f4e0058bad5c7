/**
 * Parsing of the addresses operators type: mail server `host[:port]`, listen addresses, email
 * addresses. Shared by the config schema, the federation (settings from the primary) and the
 * relay's intake, so that one definition decides what is valid everywhere.
 */
import { isIP, isIPv6 } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
export const SMTP_DEFAULT_PORT = 25;

/** A DNS name (RFC 1123 labels, 253 characters at most) or an IPv4/IPv6 literal without brackets. */
export function isHostname(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.endsWith('.') ? value.slice(0, -1).split('.') : value.split('.');
  // An all-numeric name that is not a valid IPv4 address (999.1.1.1) is a typo, not a host.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => LABEL.test(label));
}

/**
 * Parses `host`, `host:port`, `[v6]` or `[v6]:port`. Returns a reason instead of throwing so the
 * schema can report it against the field that holds the value.
 */
export function parseHostPort(value: string, defaultPort: number | null, options: { allowPortZero?: boolean } = {}): HostPort | { error: string } {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
    if (!isIPv6(host)) return { error: `'${host}' in brackets is not an IPv6 address` };
  } else {
    const colons = value.split(':').length - 1;
    if (colons > 1) return { error: 'an IPv6 address must be written in brackets, as [2001:db8::1]:25' };
    [host = '', portText] = value.split(':');
    const problem = hostProblem(host);
    if (problem !== null) return { error: problem };
  }
  if (portText === undefined) {
    if (defaultPort === null) return { error: 'a port is required, as host:port' };
    return { host, port: defaultPort };
  }
  if (!/^\d{1,5}$/.test(portText)) return { error: `port '${portText}' is not a number` };
  const port = Number(portText);
  const problem = portProblem(port, options.allowPortZero ? 0 : 1);
  return problem === null ? { host, port } : { error: problem };
}

/**
 * Why a host (already split from its port) is not valid, or null. The words are the ones a
 * config file's `host:port` gets, so a host that arrives on its own (from the primary) is
 * refused in the same words.
 */
export function hostProblem(host: string): string | null {
  return isHostname(host) ? null : `'${host.slice(0, 100)}' is not a valid DNS name or IP address`;
}

/** Port 0 (the system picks one) only where a server listens; never for a peer to reach. */
export function portProblem(port: number, minPort = 1): string | null {
  return Number.isInteger(port) && port >= minPort && port <= 65535 ? null : `port ${port} is out of range (${minPort}-65535)`;
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x) or `localhost`: what only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIPv6(host)) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

export function parseMailServer(value: string): HostPort | { error: string } {
  return parseHostPort(value, SMTP_DEFAULT_PORT);
}

/**
 * A Portal address as operators write it: `portal.example.com`, `10.0.0.5:8443`,
 * `https://[2001:db8::5]`, `http://portal:8080`; null when it is not one.
 */
export function parsePortalAddress(value: string): { scheme: 'http' | 'https' | null; authority: string } | null {
  const match = /^(?:(https?):\/\/)?([^/]+?)\/?$/.exec(value);
  if (!match) return null;
  const authority = match[2] ?? '';
  const parsed = parseHostPort(authority, 443);
  if ('error' in parsed || !isHostname(parsed.host)) return null;
  return { scheme: (match[1] as 'http' | 'https' | undefined) ?? null, authority };
}

/** `host:port` as it must be written to connect: IPv6 in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

// Dot-atom local part (RFC 5322, no quoted strings, no comments): what real fleets use, and
// nothing that could smuggle a header or a second address.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** A bare email address, `user@example.com` or `user@[192.0.2.1]`; no display name. */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!LOCAL_PART.test(local)) return false;
  const literal = /^\[(?:IPv6:)?([^\]]+)\]$/.exec(domain);
  if (literal) return isIP(literal[1] ?? '') !== 0;
  return domain.includes('.') && isIP(domain) === 0 && isHostname(domain);
}

/**
 * Splits a recipient list as operators type it ("a@x.com, b@y.com;c@z.com" or an array of such
 * strings): spaces trimmed, empty entries skipped, duplicates (case-insensitive) removed, order
 * kept. Invalid entries are returned separately so the caller can name them.
 */
export function splitRecipients(input: string | readonly string[]): { valid: string[]; invalid: string[] } {
  const parts = (typeof input === 'string' ? [input] : input).flatMap((entry) => entry.split(/[,;]/));
  const seen = new Set<string>();
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const raw of parts) {
    const address = raw.trim();
    if (address === '') continue;
    if (!isEmailAddress(address)) {
      invalid.push(address);
      continue;
    }
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    valid.push(address);
  }
  return { valid, invalid };
}
