/**
 * The primary's side of the federation: it admits secondaries with one-time tokens, serves its
 * settings over a TLS gRPC stream with a version that only goes up, and records what each node
 * received, applied (or refused, and why) and verified.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { nodeNameField } from '../settings/fields.js';
import { AppError } from '../errors/registry.js';
import type { FederationHandlers } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { SettingsUpdate } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { WatchRequest__Output } from '../generated/appliance_mail/federation/v1/WatchRequest.js';
import type { Logger } from '../log/logger.js';
import { federationModeSchema, parseFederationMode, type FederatedSettings, type FederationMode } from '../settings/schema.js';
import { settingsDigest } from '../settings/view.js';
import type { NodeRecord, PrimaryState } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { ownEntry } from '../util/objects.js';
import { shutdownServer } from '../util/server-lifecycle.js';
import { toServiceError, unary } from '../util/grpc-errors.js';
import { stripControl } from '../util/text.js';
import { federationServerCredentials, loadOrCreateIdentity, type TlsIdentity } from './certificate.js';
import { createConnectionGuard, FEDERATION_GUARD_SERVER_OPTIONS } from './connection-guard.js';
import { federationProto } from './proto.js';
import { isReportStage, withheldReason, recordReport, recordWatch, REPORT_STAGES } from './node-records.js';
import { encodeSettings } from './settings-wire.js';
import { createSettingsChecks, type SettingsCheck, type VerifySettings } from './settings-check.js';
import { joinAddress } from './join-command.js';
import { deleteToken, listTokens, type TokenView } from './tokens.js';
import {
  formatCredential,
  formatToken,
  hashSecret,
  newCredentialSecret,
  newTokenParts,
  parseCredential,
  secretMatches,
} from './secrets.js';

const DEFAULT_TOKEN_TTL_S = 3600;
const MAX_TOKEN_TTL_S = 7 * 86_400;
/** Expired tokens are kept this long so that "expired" can be told apart from "unknown". */
const EXPIRED_TOKEN_KEEP_MS = 86_400_000;
/** Requests from secondaries are a few hundred bytes; anything large is abuse. */
const MAX_REQUEST_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;

/**
 * Node records (received, applied, verified, last seen) are written to the state at most this
 * often: a change to 1,000 secondaries brings ~3,000 record changes within a second, and each
 * state write rewrites the whole file. A crash loses at most this window of records, which the
 * next Watch's resume point (last applied version) and the next reports repair.
 */
const NODE_RECORD_FLUSH_MS = 100;

/**
 * Sized for ~1,000 secondaries, each holding one connection with one Watch stream (profiled at
 * 1,000 streams: scripts/bench/fanout.mjs with FLEET_CPU_PROF).
 */
const FEDERATION_SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
  // channelz keeps per-connection and per-call tracking objects and traces nobody reads here:
  // it was ~4 % of the primary's CPU in a fan-out, and memory on every connection.
  'grpc.enable_channelz': 0,
  // A secondary holds one Watch and makes one Report at a time; a few more leave room for a
  // reconnect overlapping the old stream. Bounds what one peer can open on its connection.
  'grpc.max_concurrent_streams': 16,
  // nghttp2's memory per connection, in MB (grpc-js leaves it unbounded): our messages are a few
  // KB and requests at most 64 KB, so 2 MB is never reached by a secondary.
  'grpc-node.max_session_memory': 2,
  // Secondaries ping every 10 s to notice a dead primary; allow it.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  // The primary's own pings tell it that a secondary vanished (its node list then says
  // disconnected within ~30 s, which operators and tests rely on): 50 pings/s at 1,000
  // secondaries, answered by nghttp2 itself; the idle primary's CPU with 1,000 streams is
  // measured by the fan-out benchmark (primary_idle_cpu_pct).
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

interface Stream {
  call: grpc.ServerWritableStream<WatchRequest__Output, SettingsUpdate>;
  mode: FederationMode;
  /** What the node said it applied last (request, then reports). */
  lastApplied: number;
}

export interface NodeView extends NodeRecord {
  connected: boolean;
}

export interface PrimaryStatus {
  listen: string;
  /** Where secondaries reach this primary (federation.advertise, else the bound address). */
  joinAddress: string;
  settingsVersion: number;
  nodes: number;
  connected: number;
  certSha256: string;
  /** The last check of this primary's own mail settings against the mail server; null before one. */
  verify: SettingsCheck | null;
}

export interface FederationPrimary {
  start(): Promise<void>;
  close(): Promise<void>;
  createToken(ttlSeconds: number): Promise<{ token: string; expiresAt: string; certSha256: string; joinAddress: string }>;
  listTokens(): TokenView[];
  /** Returns the id of the token deleted. */
  deleteToken(idOrToken: string): Promise<string>;
  listNodes(): { settingsVersion: number; nodes: NodeView[] };
  removeNode(name: string): Promise<void>;
  status(): PrimaryStatus;
}

export function createFederationPrimary(deps: { config: LiveConfig; state: StateStore; verifySettings: VerifySettings; log: Logger }): FederationPrimary {
  const { config, state, log } = deps;
  const listen = config.current().federation.listen;
  if (listen === null) throw new Error('federation.listen is not set');
  const guard = createConnectionGuard(log);
  const server = new grpc.Server({ ...FEDERATION_SERVER_OPTIONS, ...FEDERATION_GUARD_SERVER_OPTIONS, interceptors: [guard.interceptor] });
  const streams = new Map<string, Stream>();
  let identity: TlsIdentity | null = null;
  let closed = false;
  /** The address actually bound: differs from `listen` when that asks for port 0. */
  let bound = listen;
  const ownChecks = createSettingsChecks(deps.verifySettings);

  /**
   * Checks this primary's own settings as published, at start and at each new version: an
   * operator sees at once, on the primary itself, that the settings every centralized node is
   * about to take do not work.
   */
  function checkOwnSettings(): void {
    const version = primaryState().settingsVersion;
    void ownChecks
      .check(version, config.current().mailServer)
      .then((result) => {
        if (result.outcome === 'failed') log.warn({ version, problem: result.error }, "this primary's mail settings do not work from here");
        else log.info({ version, outcome: result.outcome }, "this primary's mail settings checked against the mail server");
      })
      .catch((err: unknown) => log.error({ err }, "cannot check this primary's mail settings"));
  }

  const primaryState = (): PrimaryState => {
    const p = state.get().primary;
    if (p === null) throw new Error('primary state not initialised');
    return p;
  };

  function published(): FederatedSettings {
    const current = config.current();
    return { mailServer: { ...current.mailServer }, recipients: [...current.notifications.recipients], portalAddress: current.portal.address };
  }

  /** Bumps the version when the federated settings changed; persisted before anyone sees it. */
  async function syncVersion(): Promise<boolean> {
    const digest = settingsDigest(published());
    if (state.get().primary?.settingsDigest === digest) return false;
    await state.update((s) => {
      s.primary ??= { settingsVersion: 0, settingsDigest: null, tokens: [], nodes: {} };
      s.primary.settingsVersion += 1;
      s.primary.settingsDigest = digest;
    });
    log.info({ version: primaryState().settingsVersion }, 'federated settings changed; new version');
    return true;
  }

  /** The message for a version, built once and written to every stream that needs it. */
  let built: { version: number; update: SettingsUpdate } | null = null;
  function updateFor(version: number): SettingsUpdate {
    if (built?.version === version) return built.update;
    const update = encodeSettings(version, published(), config.current().node.name);
    built = { version, update };
    return update;
  }

  /**
   * Sends the current version if the node needs it; says what it decided (logged on connect).
   * `written` is called once the message is handed to the stream's HTTP/2 layer.
   */
  function sendIfNeeded(name: string, stream: Stream, written?: () => void): string {
    const version = primaryState().settingsVersion;
    const withheld = withheldReason(stream, version, nodeRecord(name));
    if (withheld !== null) return withheld;
    stream.call.write(updateFor(version), written);
    void recordNode(name, (n) => {
      n.received = { version, at: new Date().toISOString(), error: null };
    });
    return `v${version}`;
  }

  /**
   * Node records change on every send and report; with hundreds of nodes, one state write per
   * change would queue hundreds of whole-file rewrites, and a new settings version (which must be
   * on disk before it is sent) would wait behind them. Changes wait while a write runs and then
   * go out together in the next one, gathered for NODE_RECORD_FLUSH_MS: at most one node-record
   * write runs and one waits.
   */
  let batchWritten: Promise<void> | null = null;
  let writing: Promise<void> = Promise.resolve();
  /**
   * Node records changed since the last write, and those of the write under way: what every read
   * sees until the write lands (the state file lags by at most a batch).
   */
  let unwritten = new Map<string, NodeRecord>();
  let inWrite = new Map<string, NodeRecord>();
  function nodeRecord(name: string): NodeRecord | undefined {
    return unwritten.get(name) ?? inWrite.get(name) ?? ownEntry(primaryState().nodes, name);
  }
  function recordNode(name: string, change: (node: NodeRecord) => void): Promise<void> {
    const current = nodeRecord(name);
    if (current) {
      const next = structuredClone(current);
      change(next);
      unwritten.set(name, next);
    }
    batchWritten ??= Promise.all([writing, delay(NODE_RECORD_FLUSH_MS)]).then(() => {
      const changes = unwritten;
      inWrite = changes;
      unwritten = new Map();
      batchWritten = null;
      writing = state
        .update((s) => {
          for (const [node, record] of changes) {
            // A node removed meanwhile stays removed.
            if (s.primary && ownEntry(s.primary.nodes, node)) s.primary.nodes[node] = record;
          }
        })
        .catch((err: unknown) => log.error({ err, nodes: changes.size }, 'cannot record node state'))
        .finally(() => {
          if (inWrite === changes) inWrite = new Map();
        });
      return writing;
    });
    return batchWritten;
  }


  /**
   * Writes a new version to every stream that needs it, and logs once all of them took it: the
   * primary's own share of a fan-out, apart from the network and the secondaries.
   */
  function publish(): void {
    const version = primaryState().settingsVersion;
    const startedMs = performance.now();
    let pending = 1;
    let sent = 0;
    const done = () => {
      pending -= 1;
      if (pending === 0) log.info({ version, streams: sent, ms: Math.round(performance.now() - startedMs) }, 'new version written to every stream');
    };
    for (const [name, stream] of streams) {
      pending += 1;
      if (sendIfNeeded(name, stream, done).startsWith('v')) sent += 1;
      else pending -= 1;
    }
    done();
  }

  /** The node a call comes from, by its credential; throws UNAUTHENTICATED otherwise. */
  function authenticate(metadata: grpc.Metadata): string {
    const header = metadata.get('authorization')[0];
    const credential = typeof header === 'string' && header.startsWith('Bearer ') ? parseCredential(header.slice(7)) : null;
    const record = credential ? ownEntry(primaryState().nodes, credential.name) : undefined;
    if (!credential || !record || !secretMatches(credential.secret, record.credentialHash)) {
      throw new AppError(
        'AM_UNAUTHENTICATED',
        'this node is not a member of the primary: it never joined, or it was removed (appliance-mail nodes remove); join it again with a new token',
      );
    }
    return credential.name;
  }

  const handlers: FederationHandlers = {
    Join: unary(async (request) => {
      const name = request.node_name;
      const nameCheck = nodeNameField.safeParse(name);
      if (!nameCheck.success) throw new AppError('AM_INVALID_ARGUMENT', `node name '${name.slice(0, 80)}' ${nameCheck.error.issues[0]?.message}`);
      const mode = parseFederationMode(request.mode);
      const secret = newCredentialSecret();
      const now = new Date();
      await state.update((s) => {
        const p = s.primary!;
        const token = p.tokens.find((t) => t.id === request.token_id);
        if (!token || !secretMatches(request.token_secret, token.secretHash)) {
          throw new AppError('AM_TOKEN_INVALID', 'the join token is not known to this primary; create one with `appliance-mail token create`');
        }
        if (token.usedAt !== null) throw new AppError('AM_TOKEN_USED', `the join token was already used (by ${token.usedBy}); each token admits one node`);
        if (Date.parse(token.expiresAt) <= now.getTime()) {
          throw new AppError('AM_TOKEN_EXPIRED', `the join token expired at ${token.expiresAt}; create a new one`);
        }
        if (ownEntry(p.nodes, name)) {
          throw new AppError('AM_NODE_NAME_TAKEN', `a node named ${name} is already joined; remove it first (appliance-mail nodes remove ${name}) or rename this node`);
        }
        token.usedAt = now.toISOString();
        token.usedBy = name;
        p.nodes[name] = {
          name,
          credentialHash: hashSecret(secret),
          mode,
          joinedAt: now.toISOString(),
          lastSeen: now.toISOString(),
          received: null,
          applied: null,
          verified: null,
        };
      });
      log.info({ node: name, mode }, 'secondary joined');
      return { credential: formatCredential(name, secret), primary_name: config.current().node.name };
    }),

    Watch: (call) => {
      let name: string;
      try {
        name = authenticate(call.metadata);
      } catch (err) {
        call.emit('error', toServiceError(err));
        return;
      }
      const mode = federationModeSchema.catch('centralized').parse(call.request.mode);
      const stream: Stream = { call, mode, lastApplied: Number(call.request.last_applied_version) || 0 };
      streams.get(name)?.call.end();
      streams.set(name, stream);
      // Response headers at once, for every mode: the secondary knows its stream is admitted
      // without waiting for settings (a local node never gets any; an up-to-date one not now).
      call.sendMetadata(new grpc.Metadata());
      void recordNode(name, (n) => recordWatch(n, mode, stream.lastApplied, new Date().toISOString()));
      const gone = () => {
        if (streams.get(name) !== stream) return;
        streams.delete(name);
        log.info({ node: name }, 'secondary disconnected');
        void recordNode(name, (n) => {
          n.lastSeen = new Date().toISOString();
        });
      };
      call.on('cancelled', gone);
      call.on('close', gone);
      call.on('error', gone);
      const sent = sendIfNeeded(name, stream);
      log.info({ node: name, mode, lastApplied: stream.lastApplied, sent }, 'secondary connected');
    },

    Report: unary(async (request, call) => {
      const name = authenticate(call.metadata);
      const version = Number(request.version);
      const stage = request.stage;
      if (!isReportStage(stage)) {
        throw new AppError('AM_INVALID_ARGUMENT', `stage must be one of ${REPORT_STAGES.join(', ')}`);
      }
      if (!Number.isSafeInteger(version) || version < 1 || version > primaryState().settingsVersion) {
        throw new AppError('AM_INVALID_ARGUMENT', `version ${request.version.slice(0, 30)} was never published (current: ${primaryState().settingsVersion})`);
      }
      const at = new Date().toISOString();
      // A peer's text is data: no control character reaches the state, the log or a terminal.
      const error = request.error === '' ? null : stripControl(request.error.slice(0, 2000));
      const stream = streams.get(name);
      // Not awaited: the secondary applies its next version only after this answer, and the
      // record waits up to NODE_RECORD_FLUSH_MS for its batch; a lost record is repaired by the
      // node's resume point at its next Watch.
      void recordNode(name, (n) => recordReport(n, stage, version, error, at));
      if (stage === 'applied' && stream) stream.lastApplied = Math.max(stream.lastApplied, version);
      // A success is the expected case, a thousand times per change on a large fleet: debug
      // (the node list shows it); a refusal or a failed check is worth a line each.
      if (error === null) log.debug({ node: name, version, stage }, 'secondary reported');
      else log.warn({ node: name, version, stage, error }, 'secondary reported');
      return {};
    }),
  };

  return {
    async start() {
      identity = await loadOrCreateIdentity({
        certFile: config.current().federation.certFile,
        keyFile: config.current().federation.keyFile,
        stateDir: config.current().node.stateDir,
      });
      await syncVersion();
      checkOwnSettings();
      config.onChange(() => {
        void syncVersion()
          .then((changed) => {
            if (!changed || closed) return;
            publish();
            checkOwnSettings();
          })
          .catch((err: unknown) => log.error({ err }, 'cannot publish new settings'));
      });
      server.addService(federationProto.Federation.service, handlers);
      // The guard owns the listening socket and hands admitted connections to gRPC.
      const port = await guard.listen(listen, server.createConnectionInjector(federationServerCredentials(identity)));
      const host = parseHostPort(listen, null, { allowPortZero: true });
      if (!('error' in host)) bound = formatHostPort({ host: host.host, port });
      log.info({ listen: bound, certSha256: identity.sha256, version: primaryState().settingsVersion }, 'federation listening');
    },

    async close() {
      if (closed) return;
      closed = true;
      guard.close();
      for (const stream of streams.values()) stream.call.end();
      streams.clear();
      await shutdownServer(server, CLOSE_GRACE_MS);
    },

    async createToken(ttlSeconds) {
      const ttl = ttlSeconds === 0 ? DEFAULT_TOKEN_TTL_S : ttlSeconds;
      if (ttl < 1 || ttl > MAX_TOKEN_TTL_S) throw new AppError('AM_INVALID_ARGUMENT', `--ttl must be between 1s and 7d`);
      if (!identity) throw new AppError('AM_CLOSED', 'federation is not started');
      const { id, secret } = newTokenParts();
      const now = Date.now();
      const expiresAt = new Date(now + ttl * 1000).toISOString();
      await state.update((s) => {
        const p = s.primary!;
        p.tokens = p.tokens.filter((t) => Date.parse(t.expiresAt) > now - EXPIRED_TOKEN_KEEP_MS);
        p.tokens.push({ id, secretHash: hashSecret(secret), createdAt: new Date(now).toISOString(), expiresAt, usedAt: null, usedBy: null });
      });
      log.info({ tokenId: id, expiresAt }, 'join token created');
      return {
        token: formatToken({ id, secret, certSha256: identity.sha256 }),
        expiresAt,
        certSha256: identity.sha256,
        joinAddress: joinAddress(bound, config.current().federation.advertise),
      };
    },

    listTokens: () => listTokens(state),

    async deleteToken(idOrToken) {
      const id = await deleteToken(state, idOrToken);
      log.info({ tokenId: id }, 'join token deleted');
      return id;
    },

    listNodes() {
      const p = primaryState();
      return {
        settingsVersion: p.settingsVersion,
        nodes: Object.values(p.nodes)
          .map((n) => ({ ...(nodeRecord(n.name) ?? n), connected: streams.has(n.name) }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },

    async removeNode(name) {
      if (!ownEntry(primaryState().nodes, name)) throw new AppError('AM_NODE_UNKNOWN', `no secondary named ${name}; see appliance-mail nodes`);
      await state.update((s) => {
        delete s.primary!.nodes[name];
      });
      unwritten.delete(name);
      inWrite.delete(name);
      const stream = streams.get(name);
      streams.delete(name);
      stream?.call.emit('error', toServiceError(new AppError('AM_NODE_REVOKED', `node ${name} was removed from the primary`)));
      log.info({ node: name }, 'secondary removed');
    },

    status() {
      const p = primaryState();
      return {
        listen: bound,
        joinAddress: joinAddress(bound, config.current().federation.advertise),
        settingsVersion: p.settingsVersion,
        nodes: Object.keys(p.nodes).length,
        connected: streams.size,
        certSha256: identity?.sha256 ?? '',
        verify: ownChecks.last(),
      };
    },
  };
}
