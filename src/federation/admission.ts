/**
 * Join admission on the primary: a one-time token admits one node under a name no other node
 * holds, and the node gets a credential (only its hash is kept). The checks are pure
 * (`checkJoinToken`, `checkJoinRequest`); `createAdmission` orders the two durable writes: the
 * token is marked used in the state, then the node's record is written; the credential is
 * answered only after both. A crash in between leaves a used token and no node: the secondary
 * never got a credential, and the operator creates a new token.
 */
import { nodeNameField } from '../settings/fields.js';
import { AppError } from '../errors/registry.js';
import { parseFederationMode, type FederationMode } from '../settings/schema.js';
import type { NodeRecord, TokenRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import type { NodeRecordWriter } from './node-record-writer.js';
import { formatCredential, hashSecret, newCredentialSecret, secretMatches } from './secrets.js';

export interface JoinRequest {
  tokenId: string;
  tokenSecret: string;
  nodeName: string;
  mode: string;
}

/** The name and mode of a Join, checked; throws AM_INVALID_ARGUMENT naming what is wrong. */
export function checkJoinRequest(request: JoinRequest): { name: string; mode: FederationMode } {
  const name = request.nodeName;
  const nameCheck = nodeNameField.safeParse(name);
  if (!nameCheck.success) throw new AppError('AM_INVALID_ARGUMENT', `node name '${name.slice(0, 80)}' ${nameCheck.error.issues[0]?.message}`);
  return { name, mode: parseFederationMode(request.mode) };
}

/** The token that admits this request; throws the reason it does not. */
export function checkJoinToken(tokens: readonly TokenRecord[], request: JoinRequest, nowMs: number): TokenRecord {
  const token = tokens.find((t) => t.id === request.tokenId);
  if (!token || !secretMatches(request.tokenSecret, token.secretHash)) {
    throw new AppError('AM_TOKEN_INVALID', 'the join token is not known to this primary; create one with `appliance-mail token create`');
  }
  if (token.usedAt !== null) throw new AppError('AM_TOKEN_USED', `the join token was already used (by ${token.usedBy}); each token admits one node`);
  if (Date.parse(token.expiresAt) <= nowMs) throw new AppError('AM_TOKEN_EXPIRED', `the join token expired at ${token.expiresAt}; create a new one`);
  return token;
}

export function nameTaken(name: string): AppError {
  return new AppError('AM_NODE_NAME_TAKEN', `a node named ${name} is already joined; remove it first (appliance-mail nodes remove ${name}) or rename this node`);
}

export interface Admission {
  /** Admits the node; resolves with its credential once the token's use and the node are on disk. */
  join(request: JoinRequest): Promise<{ name: string; mode: FederationMode; credential: string }>;
}

export function createAdmission(deps: { state: StateStore; records: NodeRecordWriter }): Admission {
  const { state, records } = deps;
  /** Names being admitted: two Joins for one name cannot both pass the check before either is written. */
  const joining = new Set<string>();
  return {
    async join(request) {
      const { name, mode } = checkJoinRequest(request);
      const secret = newCredentialSecret();
      const now = new Date();
      let reserved = false;
      try {
        await state.update((s) => {
          const token = checkJoinToken(s.primary?.tokens ?? [], request, now.getTime());
          if (joining.has(name) || records.get(name) !== undefined) throw nameTaken(name);
          // Reserved in the same step as the check: updates run one at a time.
          joining.add(name);
          reserved = true;
          token.usedAt = now.toISOString();
          token.usedBy = name;
        });
        const record: NodeRecord = {
          name,
          credentialHash: hashSecret(secret),
          mode,
          joinedAt: now.toISOString(),
          lastSeen: now.toISOString(),
          received: null,
          applied: null,
          verified: null,
        };
        await records.add(record).catch((err: unknown) => {
          // Not admitted after all: the node never gets its credential, so its name stays free.
          void records.remove(name);
          throw err;
        });
        return { name, mode, credential: formatCredential(name, secret) };
      } finally {
        if (reserved) joining.delete(name);
      }
    },
  };
}
