/**
 * The primary's side of the federation: it admits secondaries with one-time tokens, serves its
 * settings over a TLS gRPC stream with a version that only goes up, and records what each node
 * received, applied (or refused, and why) and verified. This file wires the parts:
 * - primary-service.ts: Join, Watch and Report on the wire, mapped to the parts below;
 * - admission.ts: Join (token checks, the node's record and credential);
 * - version-sync.ts: the settings version and its encoded message;
 * - fan-out.ts: the Watch streams and the write of a version onto them;
 * - node-records.ts (rules) and node-record-writer.ts / node-log.ts (coalesced, durable records);
 * - primary-server.ts: the gRPC server, its limits and TLS.
 */
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { NodeRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { toServiceError } from '../util/grpc-errors.js';
import { createAdmission, type Admission } from './admission.js';
import { loadOrCreateIdentity, type TlsIdentity } from './certificate.js';
import { createFanOut, type FanOut } from './fan-out.js';
import { joinAddress } from './join-command.js';
import { openNodeRecords, type NodeLog } from './node-log.js';
import type { NodeRecordWriter } from './node-record-writer.js';
import { createPrimaryServer } from './primary-server.js';
import { federationHandlers, type FederationEvent } from './primary-service.js';
import { watchServerService } from './proto.js';
import { formatToken } from './secrets.js';
import { createSettingsChecks, type SettingsCheck, type SettingsChecks, type VerifySettings } from './settings-check.js';
import { createToken, deleteToken, listTokens, type TokenView } from './tokens.js';
import { createVersionSync, type VersionSync } from './version-sync.js';

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

export type { FederationEvent };

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
  /** Calls `listener` after each FederationEvent. */
  onEvent(listener: (event: FederationEvent) => void): void;
}

export function createFederationPrimary(deps: { config: LiveConfig; state: StateStore; verifySettings: VerifySettings; log: Logger }): FederationPrimary {
  const { config, state, log } = deps;
  const listen = config.current().federation.listen;
  if (listen === null) throw new Error('federation.listen is not set');
  let identity: TlsIdentity | null = null;
  let closed = false;
  /** The address actually bound: differs from `listen` when that asks for port 0. */
  let bound = listen;
  const listeners: Array<(event: FederationEvent) => void> = [];
  const emit = (event: FederationEvent) => listeners.forEach((listener) => listener(event));
  const ownChecks = createSettingsChecks(deps.verifySettings);
  const versions = createVersionSync({ config, state, log });
  /** The parts that need the node records, built by start() before the server takes a call. */
  let parts: { nodeLog: NodeLog; records: NodeRecordWriter; fanOut: FanOut; admission: Admission } | null = null;
  const running = () => {
    if (parts === null) throw new AppError('AM_CLOSED', 'federation is not started');
    return parts;
  };

  const checkOwnSettings = ownSettingsChecker({ checks: ownChecks, versions, config, log });
  const handlers = federationHandlers({ parts: running, versions, primaryName: () => config.current().node.name, log, emit });
  const server = createPrimaryServer({ service: watchServerService, handlers, log });

  return {
    async start() {
      const current = config.current();
      identity = await loadOrCreateIdentity({ certFile: current.federation.certFile, keyFile: current.federation.keyFile, stateDir: current.node.stateDir });
      const inForce = await versions.sync();
      const nodeLog = await openNodeRecords({ stateDir: current.node.stateDir, state, log });
      const fanOut = createFanOut({ versions, records: nodeLog.records, log });
      parts = { nodeLog, records: nodeLog.records, fanOut, admission: createAdmission({ state, records: nodeLog.records }) };
      checkOwnSettings();
      // The version in force from start, new or not: which configuration it holds is noted too.
      emit({ kind: 'published', version: inForce.version, configVersion: inForce.configVersion });
      const publishChange = () => {
        void versions
          .sync()
          .then(({ version, configVersion, changed }) => {
            if (!changed || closed) return;
            fanOut.publish();
            emit({ kind: 'published', version, configVersion });
            checkOwnSettings();
          })
          .catch((err: unknown) => log.error({ err }, 'cannot publish new settings'));
      };
      config.onChange(publishChange);
      // An edit applied while start awaited the state and the node records had no listener yet.
      publishChange();
      bound = await server.listen(listen, identity);
      log.info({ listen: bound, certSha256: identity.sha256, version: versions.version() }, 'federation listening');
    },

    async close() {
      if (closed) return;
      closed = true;
      parts?.fanOut.endAll();
      await server.close();
      await parts?.nodeLog.close();
    },

    async createToken(ttlSeconds) {
      if (!identity) throw new AppError('AM_CLOSED', 'federation is not started');
      const { id, secret, expiresAt } = await createToken(state, ttlSeconds);
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

    listNodes: () => ({ settingsVersion: versions.version(), nodes: parts === null ? [] : nodeViews(parts) }),

    async removeNode(name) {
      await removeNode(running(), name);
      log.info({ node: name }, 'secondary removed');
      emit({ kind: 'removed', node: name });
    },

    status() {
      return {
        listen: bound,
        joinAddress: joinAddress(bound, config.current().federation.advertise),
        settingsVersion: versions.version(),
        nodes: parts?.records.size ?? 0,
        connected: parts?.fanOut.size ?? 0,
        certSha256: identity?.sha256 ?? '',
        verify: ownChecks.last(),
      };
    },

    onEvent(listener) {
      listeners.push(listener);
    },
  };
}

/**
 * Checks this primary's own settings as published, at start and at each new version: an operator
 * sees at once, on the primary itself, that the settings every centralized node is about to take
 * do not work.
 */
function ownSettingsChecker(deps: { checks: SettingsChecks; versions: VersionSync; config: LiveConfig; log: Logger }): () => void {
  const { checks, versions, config, log } = deps;
  return () => {
    const version = versions.version();
    void checks
      .check(version, config.current().mailServer)
      .then((result) => {
        if (result.outcome === 'failed') log.warn({ version, problem: result.error }, "this primary's mail settings do not work from here");
        else log.info({ version, outcome: result.outcome }, "this primary's mail settings checked against the mail server");
      })
      .catch((err: unknown) => log.error({ err }, "cannot check this primary's mail settings"));
  };
}

/** Every node's record (a copy), with whether it holds a stream now, by name. */
function nodeViews(parts: { records: NodeRecordWriter; fanOut: FanOut }): NodeView[] {
  return [...parts.records.list()]
    .map((n) => ({ ...structuredClone(n), connected: parts.fanOut.get(n.name) !== undefined }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Forgets a node (on disk first) and ends its stream with AM_NODE_REVOKED. */
async function removeNode(parts: { records: NodeRecordWriter; fanOut: FanOut }, name: string): Promise<void> {
  const { records, fanOut } = parts;
  if (records.get(name) === undefined) throw new AppError('AM_NODE_UNKNOWN', `no secondary named ${name}; see appliance-mail nodes`);
  await records.remove(name);
  const stream = fanOut.get(name);
  if (stream) {
    fanOut.detach(name, stream);
    stream.call.emit('error', toServiceError(new AppError('AM_NODE_REVOKED', `node ${name} was removed from the primary`)));
  }
}
