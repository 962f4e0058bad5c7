/**
 * The primary's federation service on the wire: Join, Watch, Report and Session (Watch and
 * Report on one stream) mapped to the parts (admission, fan-out, node records) with each caller
 * authenticated by its node credential. Wire shapes stop here: the parts see names, versions and
 * checked reports.
 */
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../errors/registry.js';
import type { FederationHandlers } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest__Output } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { SessionRequest__Output } from '../generated/appliance_mail/federation/v1/SessionRequest.js';
import type { WatchRequest__Output } from '../generated/appliance_mail/federation/v1/WatchRequest.js';
import type { Logger } from '../log/logger.js';
import { federationModeSchema, type FederationMode } from '../settings/schema.js';
import { toServiceError, unary } from '../util/grpc-errors.js';
import { stripControl } from '../util/text.js';
import type { Admission } from './admission.js';
import type { FanOut, WatchStream } from './fan-out.js';
import type { NodeRecordWriter } from './node-record-writer.js';
import { describeSend, isReportStage, recordReport, recordWatch, REPORT_STAGES, type ReportStage, type StatedRefusal } from './node-records.js';
import { parseCredential, secretMatches } from './secrets.js';
import type { VersionSync } from './version-sync.js';

/** A peer's error text is kept to this many characters. */
const MAX_REPORTED_ERROR_CHARS = 2_000;

/**
 * What happened to the fleet's membership or to a version, once it is on disk: for whoever keeps
 * a trail of it (the audit trail). `refused` is a NACK: the node did not apply `version`;
 * `published`: `version` holds the federated settings of configuration `configVersion`, on disk
 * and sent (also at start, for the version then in force).
 */
export type FederationEvent =
  | { kind: 'joined'; node: string; mode: FederationMode }
  | { kind: 'removed'; node: string }
  | { kind: 'refused'; node: string; version: number; error: string }
  | { kind: 'published'; version: number; configVersion: string };

/** The calls of a node's stream as the primary serves them (watchServerService writes bytes). */
type WatchCall = grpc.ServerWritableStream<WatchRequest__Output, Buffer>;
type SessionCall = grpc.ServerDuplexStream<SessionRequest__Output, Buffer>;
type NodeStreamCall = WatchCall | SessionCall;

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

/**
 * The refusal a WatchRequest states again, if it names one the primary published after the
 * version the node applied; else null (a version never published is ignored, not refused: the
 * stream must open).
 */
function statedRefusal(request: WatchRequest__Output, mode: FederationMode, lastApplied: number, published: number): StatedRefusal | null {
  const version = Number(request.refused_version ?? '0');
  if (mode !== 'centralized' || !Number.isSafeInteger(version) || version <= lastApplied || version > published) return null;
  return { version, error: peerText(request.refused_error ?? '') ?? 'rejected' };
}

/** A peer's text is data: no control character reaches the state, the log or a terminal. */
function peerText(text: string): string | null {
  return text === '' ? null : stripControl(text.slice(0, MAX_REPORTED_ERROR_CHARS));
}

/** A Session must send its watch this soon after it opened (as a connection must carry a call). */
export const SESSION_OPEN_TIMEOUT_MS = 10_000;

/**
 * A Session of node `name`: its first message opens the stream as a Watch does, every later one
 * is a Report, recorded as the Report call records it but not answered (a report lost with the
 * primary is stated again by the node's next session). A message out of place, a report that
 * does not check, or no watch within SESSION_OPEN_TIMEOUT_MS ends the session with the reason.
 * `open` authenticates the node again: it may have been removed since the call began.
 */
function serveSession(
  call: SessionCall,
  name: string,
  on: { open(request: WatchRequest__Output): boolean; report(r: CheckedReport): Promise<void>; published(): number; log: Logger },
): void {
  let opened = false;
  const refuse = (err: unknown) => {
    clearTimeout(openBy);
    call.removeAllListeners('data');
    call.emit('error', toServiceError(err));
  };
  const openBy = setTimeout(() => refuse(new AppError('AM_INVALID_ARGUMENT', `a Session must send its watch within ${SESSION_OPEN_TIMEOUT_MS / 1000} s`)), SESSION_OPEN_TIMEOUT_MS);
  openBy.unref();
  // A call the node cancelled, or that ended otherwise, is not refused later.
  call.on('cancelled', () => clearTimeout(openBy));
  call.on('close', () => clearTimeout(openBy));
  call.on('data', (message: SessionRequest__Output) => {
    if (!opened) {
      clearTimeout(openBy);
      if (message.message !== 'watch' || !message.watch) return refuse(new AppError('AM_INVALID_ARGUMENT', 'the first message of a Session must be its watch'));
      opened = true;
      if (!on.open(message.watch)) call.removeAllListeners('data');
      return;
    }
    if (message.message !== 'report' || !message.report) return refuse(new AppError('AM_INVALID_ARGUMENT', 'after its first message, a Session carries reports only'));
    let checked: CheckedReport;
    try {
      checked = checkReport(message.report, on.published());
    } catch (err) {
      return refuse(err);
    }
    // One report at a time per session, as a Report call waits for its answer: the next is read
    // once this one is on disk, so a node cannot queue reports (or log lines) faster than that.
    call.pause();
    on.report(checked)
      .catch((err: unknown) => on.log.error({ err, node: name }, 'cannot record the report of a secondary'))
      .finally(() => call.resume());
  });
  // The node ended its side: so does the primary (the fan-out forgets the stream on 'close').
  call.on('end', () => call.end());
}

/** The parts a call needs; they exist once the primary started (else AM_CLOSED). */
export interface ServiceParts {
  records: NodeRecordWriter;
  fanOut: FanOut;
  admission: Admission;
}

export function federationHandlers(deps: {
  parts: () => ServiceParts;
  versions: VersionSync;
  primaryName: () => string;
  log: Logger;
  emit: (event: FederationEvent) => void;
}): grpc.UntypedServiceImplementation {
  const { parts, versions, log, emit } = deps;

  /** The node a call comes from, by its credential; throws UNAUTHENTICATED otherwise. */
  function authenticate(metadata: grpc.Metadata): string {
    const header = metadata.get('authorization')[0];
    const credential = typeof header === 'string' && header.startsWith('Bearer ') ? parseCredential(header.slice(7)) : null;
    const record = credential ? parts().records.get(credential.name) : undefined;
    if (!credential || !record || !secretMatches(credential.secret, record.credentialHash)) {
      throw new AppError(
        'AM_UNAUTHENTICATED',
        'this node is not a member of the primary: it never joined, or it was removed (appliance-mail nodes remove); join it again with a new token',
      );
    }
    return credential.name;
  }

  /** The node a call comes from, or null once the call was ended with UNAUTHENTICATED. */
  function caller(call: NodeStreamCall): string | null {
    try {
      return authenticate(call.metadata);
    } catch (err) {
      call.emit('error', toServiceError(err));
      return null;
    }
  }

  /** A node's stream opened (a Watch, or a Session's first message): the fan-out takes it. */
  function open(name: string, call: NodeStreamCall, request: WatchRequest__Output): void {
    const { records, fanOut } = parts();
    const mode = federationModeSchema.catch('centralized').parse(request.mode);
    const stream: WatchStream = { call, mode, lastApplied: Number(request.last_applied_version) || 0 };
    const refused = statedRefusal(request, mode, stream.lastApplied, versions.version());
    // Response headers at once, for every mode: the secondary knows its stream is admitted
    // without waiting for settings (a local node never gets any; an up-to-date one not now).
    call.sendMetadata(new grpc.Metadata());
    let news = false;
    const written = records.change(name, (n) => {
      news = recordWatch(n, mode, stream.lastApplied, new Date().toISOString(), refused);
    });
    // A refusal whose Report was lost (to a crash, a cut) reaches the trail once it is on disk.
    if (news && refused) void written.then(() => emit({ kind: 'refused', node: name, version: refused.version, error: refused.error }), () => undefined);
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
    log.info({ node: name, mode, lastApplied: stream.lastApplied, ...(refused ? { refused: refused.version } : {}), sent: describeSend(withheld, versions.version()) }, 'secondary connected');
  }

  /** Records a Report; resolves once it is on disk, so that the node is told only then. */
  async function report(name: string, r: CheckedReport): Promise<void> {
    const { records, fanOut } = parts();
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
      const joined = await parts().admission.join({ tokenId: request.token_id, tokenSecret: request.token_secret, nodeName: request.node_name, mode: request.mode });
      log.info({ node: joined.name, mode: joined.mode }, 'secondary joined');
      emit({ kind: 'joined', node: joined.name, mode: joined.mode });
      return { credential: joined.credential, primary_name: deps.primaryName() };
    }),
    // Typed for the generated definition; served by watchServerService, which writes bytes.
    Watch: (rawCall) => {
      const call = rawCall as unknown as WatchCall;
      const name = caller(call);
      if (name !== null) open(name, call, call.request);
    },
    Session: (rawCall) => {
      const call = rawCall as unknown as SessionCall;
      const name = caller(call);
      if (name === null) return;
      const opening = (request: WatchRequest__Output) => {
        if (caller(call) !== name) return false;
        open(name, call, request);
        return true;
      };
      serveSession(call, name, { open: opening, report: (r) => report(name, r), published: () => versions.version(), log });
    },
    Report: unary(async (request, call) => {
      const name = authenticate(call.metadata);
      await report(name, checkReport(request, versions.version()));
      return {};
    }),
  };
  return handlers as unknown as grpc.UntypedServiceImplementation;
}
