/**
 * The primary's join tokens as an administrator sees them (`token list`, `token delete`, as
 * kubeadm's): what each is and whether it can still admit a node. Never the secret: only its
 * hash is stored, and nothing here reads even that.
 */
import { AppError } from '../errors/registry.js';
import type { TokenRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { hashSecret, newTokenParts } from './secrets.js';

const DEFAULT_TOKEN_TTL_S = 3600;
const MAX_TOKEN_TTL_S = 7 * 86_400;
/** Expired tokens are kept this long so that "expired" can be told apart from "unknown". */
const EXPIRED_TOKEN_KEEP_MS = 86_400_000;

export interface TokenView {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** usable: it admits the next node that presents it; used and expired ones do not. */
  state: 'usable' | 'used' | 'expired';
  usedAt: string | null;
  usedBy: string | null;
}

export function viewToken(token: TokenRecord, now: number): TokenView {
  const state = token.usedAt !== null ? 'used' : Date.parse(token.expiresAt) <= now ? 'expired' : 'usable';
  return { id: token.id, createdAt: token.createdAt, expiresAt: token.expiresAt, state, usedAt: token.usedAt, usedBy: token.usedBy };
}

/**
 * A new token, on disk before it is shown (0 s: the default hour); tokens expired for a day are
 * dropped meanwhile. Only the secret's hash is stored: the secret is in the answer alone.
 */
export async function createToken(state: StateStore, ttlSeconds: number): Promise<{ id: string; secret: string; expiresAt: string }> {
  const ttl = ttlSeconds === 0 ? DEFAULT_TOKEN_TTL_S : ttlSeconds;
  if (ttl < 1 || ttl > MAX_TOKEN_TTL_S) throw new AppError('AM_INVALID_ARGUMENT', `--ttl must be between 1s and 7d`);
  const { id, secret } = newTokenParts();
  const now = Date.now();
  const expiresAt = new Date(now + ttl * 1000).toISOString();
  await state.update((s) => {
    const p = s.primary!;
    p.tokens = p.tokens.filter((t) => Date.parse(t.expiresAt) > now - EXPIRED_TOKEN_KEEP_MS);
    p.tokens.push({ id, secretHash: hashSecret(secret), createdAt: new Date(now).toISOString(), expiresAt, usedAt: null, usedBy: null });
  });
  return { id, secret, expiresAt };
}

/** Oldest first. */
export function listTokens(state: StateStore): TokenView[] {
  const now = Date.now();
  return (state.get().primary?.tokens ?? []).map((t) => viewToken(t, now)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Deletes a token by its id, or by the whole token as printed (its id is the part after `amj1.`):
 * it admits nobody from then on. Nodes it already admitted stay (see `nodes remove`).
 */
export async function deleteToken(state: StateStore, idOrToken: string): Promise<string> {
  const id = tokenId(idOrToken.trim());
  if (!(state.get().primary?.tokens ?? []).some((t) => t.id === id)) {
    throw new AppError('AM_TOKEN_UNKNOWN', `no join token with id '${id.slice(0, 40)}'; see appliance-mail token list`);
  }
  await state.update((s) => {
    if (s.primary) s.primary.tokens = s.primary.tokens.filter((t) => t.id !== id);
  });
  return id;
}

function tokenId(text: string): string {
  const parts = text.split('.');
  return parts.length === 4 && parts[0] === 'amj1' ? (parts[1] ?? '') : text;
}
