/**
 * How a secondary reaches its primary: the channel's options (keepalive, reconnect pacing), a
 * client pinned to the primary's certificate, the node credential as call metadata, and the join
 * itself (fetch the certificate, check it against the token's hash, trade the token for a
 * credential): nothing is sent to a server whose certificate does not match.
 */
import * as grpc from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../util/address.js';
import { AppError } from '../errors/registry.js';
import type { FederationClient } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { JoinRequest } from '../generated/appliance_mail/federation/v1/JoinRequest.js';
import type { JoinReply__Output } from '../generated/appliance_mail/federation/v1/JoinReply.js';
import type { FederationMode } from '../settings/schema.js';
import type { Membership } from '../state/schema.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import { certificateSha256, fetchPeerCertificate, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from './certificate.js';
import { federationProto } from './proto.js';
import { parseToken } from './secrets.js';

export const CALL_DEADLINE_MS = 10_000;

/** A secondary's channel to its primary (the fan-out benchmark's bare clients use them too). */
export const SECONDARY_CHANNEL_OPTIONS: grpc.ClientOptions = {
  ...PINNED_CHANNEL_OPTIONS,
  // Notice a dead link (partition, primary host gone) in ~15 s rather than at the TCP timeout.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Our own loop paces reconnects; keep the channel's backoff from adding minutes to it.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_receive_message_length': 1024 * 1024,
};

/** A client of the primary the node joined, pinned to the certificate it saw at the join. */
export function clientFor(membership: Membership): FederationClient {
  return pinnedClient(membership.primary, membership.primaryCertPem, certificateSha256(membership.primaryCertPem));
}

function pinnedClient(target: string, certPem: string, sha256: string): FederationClient {
  return new federationProto.Federation(target, pinnedCredentials(certPem, sha256), SECONDARY_CHANNEL_OPTIONS) as unknown as FederationClient;
}

/** The node credential, as every call after the join carries it. */
export function credentials(membership: Membership): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${membership.credential}`);
  return metadata;
}

/**
 * Joins the primary at `primary` with `tokenText`; resolves with the membership to keep and the
 * channel the Join went over, pinned as `clientFor(membership)` would be: the node's stream opens
 * on it, so a join costs the primary one lasting TLS connection (and the certificate fetch's
 * handshake) rather than a second one for the stream. The caller closes it if it keeps none.
 */
export async function joinPrimary(primary: string, tokenText: string, name: string, mode: FederationMode): Promise<{ membership: Membership; client: FederationClient }> {
  const address = parseHostPort(primary, null);
  if ('error' in address) throw new AppError('AM_INVALID_ARGUMENT', `--primary ${primary}: ${address.error}`);
  const token = parseToken(tokenText);
  const target = formatHostPort(address);
  const certPem = await fetchPeerCertificate(address.host, address.port);
  const seen = certificateSha256(certPem);
  if (seen !== token.certSha256) {
    throw new AppError(
      'AM_PRIMARY_CERT_MISMATCH',
      `the server at ${target} presented certificate sha256 ${seen}, not the one in the token (${token.certSha256}); nothing was sent to it. Check --primary, or create a new token on the primary`,
    );
  }
  const client = pinnedClient(target, certPem, seen);
  let reply: JoinReply__Output;
  try {
    reply = await call<JoinRequest, JoinReply__Output>(client.Join.bind(client), { token_id: token.id, token_secret: token.secret, node_name: name, mode }, CALL_DEADLINE_MS);
  } catch (err) {
    client.close();
    throw fromServiceError(err as grpc.ServiceError, { code: 'AM_PRIMARY_UNREACHABLE', message: `cannot reach the primary at ${target}` });
  }
  return { membership: { primary: target, name, credential: reply.credential, primaryCertPem: certPem, mode, joinedAt: new Date().toISOString() }, client };
}
