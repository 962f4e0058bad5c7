/**
 * The primary's side of the federation: it admits secondaries with one-time tokens, serves its
 * settings over a TLS gRPC stream with a version that only goes up, and records what each node
 * received, applied (or refused, and why) and verified. This file wires the parts and maps the
 * wire to them:
 * - admission.ts: Join (token checks, the node's record and credential);
 * - version-sync.ts: the settings version and its encoded message;
 * - fan-out.ts: the Watch streams and the write of a version onto them;
 * - node-records.ts (rules) and node-record-writer.ts / node-log.ts (coalesced, durable records);
 * - primary-server.ts: the gRPC server, its limits and TLS.
 */
import * as grpc from '@grpc/grpc-js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { FederationHandlers } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest__Output } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { Logger } from '../log/logger.js';
import { federationModeSchema, type FederationMode } from '../settings/schema.js';
import type { NodeRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { toServiceError, unary } from '../util/grpc-errors.js';
import { stripControl } from '../util/text.js';
import { createAdmission, type Admission } from './admission.js';
import { loadOrCreateIdentity, type TlsIdentity } from './certificate.js';
import { createFanOut, type FanOut, type WatchCall, type WatchStream } from './fan-out.js';
import { joinAddress } from './join-command.js';
import { openNodeRecords, type NodeLog } from './node-log.js';
import type { NodeRecordWriter } from './node-record-writer.js';
import { describeSend, isReportStage, recordReport, recordWatch, REPORT_STAGES, type ReportStage } from './node-records.js';
import { createPrimaryServer } from './primary-server.js';
import { watchServerService } from './proto.js';
import { formatToken, parseCredential, secretMatches } from './secrets.js';
import { createSettingsChecks, type SettingsCheck, type VerifySettings } from './settings-check.js';
import { createToken, deleteToken, listTokens, type TokenView } from './tokens.js';
import { createVersionSync } from './version-sync.js';

/** A peer's error text is kept to this many characters. */
const MAX_REPORTED_ERROR_CHARS = 2_000;

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

/**
 * What happened to the fleet's membership or to a version, once it is on disk: for whoever keeps
 * a trail of it (the audit trail). `refused` is a NACK: the node did not apply `version`.
 */
export type FederationEvent =
  | { kind: 'joined'; node: string; mode: FederationMode }
  | { kind: 'removed'; node: string }
  | { kind: 'refused'; node: string; version: number; error: string };

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

/** A Report as the primary records it: checked, with the peer's text cleaned. */
interface CheckedReport {
  version: number;
  stage: ReportStage;
  error: string | null;
  /** The check that came with an ACK (one Report per version), if it did. */
  verify: { stage: ReportStage; error: string | null } | null;
}

/** Checks a Report against the versions published; throws AM_INVALID_ARGUMENT naming the field. */
function checkReport(request: ReportRequest__Output, published: number): CheckedReport {
  const version = Number(request.version);
  if (!isReportStage(request.stage)) throw new AppError('AM_INVALID_ARGUMENT', `stage must be one of ${REPORT_STAGES.join(', ')}`);
  if (!Number.isSafeInteger(version) || version < 1 || version > published) {
    throw new AppError('AM_INVALID_ARGUMENT', `version ${request.version.slice(0, 30)} was never published (current: ${published})`);
  }
  const verifyStage = request.verify_stage ?? '';
  if (verifyStage !== '' && (request.stage !== 'applied' || (verifyStage !== 'verified' && verifyStage !== 'verify_failed'))) {
    throw new AppError('AM_INVALID_ARGUMENT', 'verify_stage must be verified or verify_failed, and only with stage applied');
  }
  return {
    version,
    stage: request.stage,
    error: peerText(request.error),
    verify: verifyStage === '' ? null : { stage: verifyStage as ReportStage, error: peerText(request.verify_error ?? '') },
  };
}

/** A peer's text is data: no control character reaches the state, the log or a terminal. */
function peerText(text: string): string | null {
  return text === '' ? null : stripControl(text.slice(0, MAX_REPORTED_ERROR_CHARS));
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

  /**
   * Checks this primary's own settings as published, at start and at each new version: an
   * operator sees at once, on the primary itself, that the settings every centralized node is
   * about to take do not work.
   */
  function checkOwnSettings(): void {
    const version = versions.version();
    void ownChecks
      .check(version, config.current().mailServer)
      .then((result) => {
        if (result.outcome === 'failed') log.warn({ version, problem: result.error }, "this primary's mail settings do not work from here");
        else log.info({ version, outcome: result.outcome }, "this primary's mail settings checked against the mail server");
      })
      .catch((err: unknown) => log.error({ err }, "cannot check this primary's mail settings"));
  }

  /** The node a call comes from, by its credential; throws UNAUTHENTICATED otherwise. */
  function authenticate(metadata: grpc.Metadata): string {
    const header = metadata.get('authorization')[0];
    const credential = typeof header === 'string' && header.startsWith('Bearer ') ? parseCredential(header.slice(7)) : null;
    const record = credential ? running().records.get(credential.name) : undefined;
    if (!credential || !record || !secretMatches(credential.secret, record.credentialHash)) {
      throw new AppError(
        'AM_UNAUTHENTICATED',
        'this node is not a member of the primary: it never joined, or it was removed (appliance-mail nodes remove); join it again with a new token',
      );
    }
    return credential.name;
  }

  function watch(call: WatchCall): void {
    const { records, fanOut } = running();
    let name: string;
    try {
      name = authenticate(call.metadata);
    } catch (err) {
      call.emit('error', toServiceError(err));
      return;
    }
    const mode = federationModeSchema.catch('centralized').parse(call.request.mode);
    const stream: WatchStream = { call, mode, lastApplied: Number(call.request.last_applied_version) || 0 };
    // Response headers at once, for every mode: the secondary knows its stream is admitted
    // without waiting for settings (a local node never gets any; an up-to-date one not now).
    call.sendMetadata(new grpc.Metadata());
    void records.change(name, (n) => recordWatch(n, mode, stream.lastApplied, new Date().toISOString()));
    const gone = () => {
      if (!fanOut.detach(name, stream)) return;
      log.info({ node: name }, 'secondary disconnected');
      void records.change(name, (n) => {
        n.lastSeen = new Date().toISOString();
      });
    };
    call.on('cancelled', gone);
    call.on('close', gone);
    call.on('error', gone);
    const withheld = fanOut.attach(name, stream);
    log.info({ node: name, mode, lastApplied: stream.lastApplied, sent: describeSend(withheld, versions.version()) }, 'secondary connected');
  }

  /** Records a Report; resolves once it is on disk, so that the node is told only then. */
  async function report(name: string, r: CheckedReport): Promise<void> {
    const { records, fanOut } = running();
    const at = new Date().toISOString();
    const done = records.change(name, (n) => {
      recordReport(n, r.stage, r.version, r.error, at);
      if (r.verify) recordReport(n, r.verify.stage, r.version, r.verify.error, at);
    });
    const stream = fanOut.get(name);
    if (r.stage === 'applied' && stream) stream.lastApplied = Math.max(stream.lastApplied, r.version);
    // A success is the expected case, a thousand times per change on a large fleet: debug
    // (the node list shows it); a refusal or a failed check is worth a line each.
    const failed = r.error !== null || (r.verify !== null && r.verify.error !== null);
    if (failed) log.warn({ node: name, version: r.version, stage: r.stage, error: r.error, verify: r.verify }, 'secondary reported');
    else log.debug({ node: name, version: r.version, stage: r.stage }, 'secondary reported');
    await done;
    if (r.stage === 'rejected') emit({ kind: 'refused', node: name, version: r.version, error: r.error ?? 'rejected' });
  }

  const handlers: FederationHandlers = {
    Join: unary(async (request) => {
      const joined = await running().admission.join({ tokenId: request.token_id, tokenSecret: request.token_secret, nodeName: request.node_name, mode: request.mode });
      log.info({ node: joined.name, mode: joined.mode }, 'secondary joined');
      emit({ kind: 'joined', node: joined.name, mode: joined.mode });
      return { credential: joined.credential, primary_name: config.current().node.name };
    }),
    // Typed for the generated definition; served by watchServerService, which writes bytes.
    Watch: (call) => watch(call as unknown as WatchCall),
    Report: unary(async (request, call) => {
      const name = authenticate(call.metadata);
      await report(name, checkReport(request, versions.version()));
      return {};
    }),
  };
  const server = createPrimaryServer({ service: watchServerService, handlers: handlers as unknown as grpc.UntypedServiceImplementation, log });

  return {
    async start() {
      const current = config.current();
      identity = await loadOrCreateIdentity({ certFile: current.federation.certFile, keyFile: current.federation.keyFile, stateDir: current.node.stateDir });
      await versions.sync();
      const nodeLog = await openNodeRecords({ stateDir: current.node.stateDir, state, log });
      const fanOut = createFanOut({ versions, records: nodeLog.records, log });
      parts = { nodeLog, records: nodeLog.records, fanOut, admission: createAdmission({ state, records: nodeLog.records }) };
      checkOwnSettings();
      config.onChange(() => {
        void versions
          .sync()
          .then((changed) => {
            if (!changed || closed) return;
            fanOut.publish();
            checkOwnSettings();
          })
          .catch((err: unknown) => log.error({ err }, 'cannot publish new settings'));
      });
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

    listNodes() {
      const nodes = parts === null ? [] : [...parts.records.list()];
      return {
        settingsVersion: versions.version(),
        nodes: nodes.map((n) => ({ ...structuredClone(n), connected: parts?.fanOut.get(n.name) !== undefined })).sort((a, b) => a.name.localeCompare(b.name)),
      };
    },

    async removeNode(name) {
      const { records, fanOut } = running();
      if (records.get(name) === undefined) throw new AppError('AM_NODE_UNKNOWN', `no secondary named ${name}; see appliance-mail nodes`);
      await records.remove(name);
      const stream = fanOut.get(name);
      if (stream) {
        fanOut.detach(name, stream);
        stream.call.emit('error', toServiceError(new AppError('AM_NODE_REVOKED', `node ${name} was removed from the primary`)));
      }
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
