/**
 * Join tokens and node credentials. Only hashes are stored on the primary; the secret itself
 * exists once, on the screen (token) or in the secondary's state (credential).
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/registry.js';

const TOKEN_PREFIX = 'amj1';

export interface JoinToken {
  id: string;
  secret: string;
  /** SHA-256 of the primary's certificate (DER), hex: what the secondary pins. */
  certSha256: string;
}

export function newTokenParts(): { id: string; secret: string } {
  return { id: randomBytes(4).toString('hex'), secret: randomBytes(24).toString('base64url') };
}

export function formatToken(token: JoinToken): string {
  return `${TOKEN_PREFIX}.${token.id}.${token.secret}.${token.certSha256}`;
}

export function parseToken(text: string): JoinToken {
  const parts = text.trim().split('.');
  const [prefix, id, secret, certSha256] = parts;
  if (
    parts.length !== 4 ||
    prefix !== TOKEN_PREFIX ||
    !/^[0-9a-f]{8}$/.test(id ?? '') ||
    !/^[A-Za-z0-9_-]{32}$/.test(secret ?? '') ||
    !/^[0-9a-f]{64}$/.test(certSha256 ?? '')
  ) {
    throw new AppError('AM_TOKEN_INVALID', 'the join token is malformed; copy it whole from `appliance-mail token create` on the primary');
  }
  return { id: id!, secret: secret!, certSha256: certSha256! };
}

export function newCredentialSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * One-shot hashing (no Hash object): every stream (and Report call, from an older secondary) is
 * authenticated with it, a thousand times after a restart of the primary on a large fleet.
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Compares a secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = hash('sha256', secret, 'buffer');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Node credentials travel as "NAME.SECRET"; the name says which hash to compare with. */
export function formatCredential(name: string, secret: string): string {
  return `${name}.${secret}`;
}

export function parseCredential(text: string): { name: string; secret: string } | null {
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return null;
  return { name: text.slice(0, dot), secret: text.slice(dot + 1) };
}
