/**
 * The Control service (proto/control.proto): the one place where the control API's domain
 * values become wire messages and back. The API decides what each call does.
 */
import type * as grpc from '@grpc/grpc-js';
import type { VersionReport as StoredReport } from '../state/schema.js';
import type { ProtoGrpcType } from '../generated/control.js';
import type { ControlHandlers } from '../generated/appliance_mail/control/v1/Control.js';
import type { NodeInfo } from '../generated/appliance_mail/control/v1/NodeInfo.js';
import type { OutboxEntry } from '../generated/appliance_mail/control/v1/OutboxEntry.js';
import type { StatusReply } from '../generated/appliance_mail/control/v1/StatusReply.js';
import type { VersionReport } from '../generated/appliance_mail/control/v1/VersionReport.js';
import type { NodeView } from '../federation/primary.js';
import type { SettingsCheck as DomainCheck } from '../federation/settings-check.js';
import type { TokenView } from '../federation/tokens.js';
import type { SettingsCheck } from '../generated/appliance_mail/control/v1/SettingsCheck.js';
import type { TokenInfo } from '../generated/appliance_mail/control/v1/TokenInfo.js';
import type { OutboxListing } from '../relay/outbox-admin.js';
import type { Caller } from '../relay/outbox.js';
import { AppError } from '../errors/registry.js';
import { toServiceError, unary } from '../util/grpc-errors.js';
import { loadProto } from '../util/proto.js';
import type { ControlApi } from './api.js';
import type { DaemonStatus } from './status.js';
import type { TokenStatus } from '../oauth2/token-source.js';
import { AUDIT_KINDS, DAEMON_ACTOR, type Actor, type AuditEntry as DomainEntry, type AuditKind } from '../audit/entry.js';
import type { FieldChange as DomainChange } from '../audit/diff.js';
import type { AuditEntry } from '../generated/appliance_mail/control/v1/AuditEntry.js';
import type { FieldChange } from '../generated/appliance_mail/control/v1/FieldChange.js';

export const controlProto = loadProto<ProtoGrpcType>('control.proto').appliance_mail.control.v1;

/** Which socket a service answers on: the submitters' or the administrators'. */
export type ControlDoor = 'submit' | 'admin';

/** What a submitter (Engine, Portal, scripts) may do; every other call is an administrator's. */
const SUBMITTER_CALLS: ReadonlySet<string> = new Set(['Status', 'Submit', 'SubmitRaw', 'Notify', 'SubmitDigest']);

/**
 * `apiFor` gives the API as an actor uses it: the administrators' door asks for one per call (the
 * audit trail names who acted); a submitter's calls record nothing there.
 */
export function addControlService(server: grpc.Server, apiFor: (actor: Actor) => ControlApi, door: ControlDoor): void {
  // Who calls, for idempotency scopes and shares of the outbox. The socket is what the daemon can
  // tell of its peer (Node does not expose SO_PEERCRED); file modes decide who reaches which.
  const caller: Caller = { door: door === 'admin' ? 'admin-socket' : 'submit-socket', client: '' };
  const sendmail: Caller = { door: 'sendmail', client: door };
  const handlersFor = (api: ControlApi): ControlHandlers => ({
    Status: unary(async () => {
      const reply = statusReply(await api.status());
      return door === 'admin' ? reply : forSubmitters(reply);
    }),
    CreateToken: unary(async (request) => {
      const reply = await api.createToken(request.ttl_seconds);
      return { token: reply.token, expires_at: reply.expiresAt, primary_cert_sha256: reply.certSha256, join_address: reply.joinAddress };
    }),
    ListTokens: unary(async () => ({ tokens: (await api.listTokens()).map(tokenInfo) })),
    DeleteToken: unary(async (request) => ({ id: await api.deleteToken(request.id) })),
    ListNodes: unary(async () => {
      const { settingsVersion, nodes } = await api.listNodes();
      return { settings_version: String(settingsVersion), nodes: nodes.map(nodeInfo) };
    }),
    RemoveNode: unary(async (request) => {
      await api.removeNode(request.name);
      return {};
    }),
    Join: unary((request) => api.join(request.primary, request.token, request.centralize)),
    SetMode: unary(async (request) => ({ mode: await api.setMode(request.mode) })),
    Leave: unary(async () => ({ primary: await api.leave() })),
    Submit: unary((request) =>
      api.submit({ to: request.to, subject: request.subject, text: request.text, html: request.html, kind: request.kind, idempotencyKey: request.idempotency_key }, caller),
    ),
    SubmitRaw: unary(async (request) => ({
      ids: await api.submitRaw({ raw: request.message, recipients: request.recipients, recipientsFromHeaders: request.recipients_from_headers }, sendmail),
    })),
    ListOutbox: unary(async () => ({ entries: (await api.listOutbox()).map(outboxEntry) })),
    RetryOutbox: unary(async (request) => ({ requeued: await api.retryOutbox(request.ids, request.all_dead) })),
    DropOutbox: unary(async (request) => ({
      dropped: await api.dropOutbox(request.id === '' ? request.ids : [request.id, ...request.ids], request.all_dead),
    })),
    FlushOutbox: unary(async () => ({ deferred: await api.flushOutbox() })),
    Notify: unary((request) => api.notify({ event: request.event, version: request.version, detail: request.detail, idempotencyKey: request.idempotency_key }, caller)),
    SubmitDigest: unary((request) =>
      api.submitDigest(
        {
          dashboard: request.dashboard,
          period: request.period,
          subscribers: request.subscribers,
          // proto3 has no absent string: empty means "not given".
          items: request.items.map((item) => ({ ...item, status: item.status === '' ? undefined : item.status })),
        },
        request.idempotency_key,
        caller,
      ),
    ),
    SetConsolePassword: unary(async (request) => ({ created: await api.setConsolePassword(request.name, request.password) })),
    RemoveConsoleUser: unary(async (request) => {
      await api.removeConsoleUser(request.name);
      return {};
    }),
    History: unary(async (request) => ({
      entries: (
        await api.history({
          ...(request.since_seconds > 0 ? { sinceMs: request.since_seconds * 1000 } : {}),
          ...(request.limit > 0 ? { limit: request.limit } : {}),
          ...(request.kind === '' ? {} : { kind: auditKind(request.kind) }),
          ...(request.actor === '' ? {} : { actor: request.actor }),
        })
      ).map(auditEntry),
    })),
    HistoryEntry: unary(async (request) => {
      const plan = await api.historyEntry(request.id);
      return { entry: auditEntry(plan.entry), revert_changes: plan.changes.map(fieldChange), revert_refused: plan.refused ?? '', file_digest: plan.fileDigest };
    }),
    Revert: unary(async (request) => {
      const result = await api.revert(request.id, request.expected_digest);
      return { version: result.version, applied: result.applied, entry_id: result.entry?.id ?? 0 };
    }),
    TestEmail: (call) => {
      const given = call.request.mail_server;
      const onStep = (step: { step: string; ok: boolean; detail: string }) => call.write(step);
      (given ? api.testMailServer(given, call.request.to, onStep) : api.testEmail(call.request.to, onStep)).then(
        () => call.end(),
        (err: unknown) => call.emit('error', toServiceError(err)),
      );
    },
  });
  server.addService(controlProto.Control.service, door === 'admin' ? administratorHandlers(handlersFor, apiFor) : submitterHandlers(handlersFor(apiFor(DAEMON_ACTOR))));
}

/** The user name a CLI says it runs as (metadata `am-user`); a name that is no user name is ignored. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/**
 * The administrators' door: every call runs with the API of the actor the audit trail names. Only
 * root and the daemon's user can open this socket (control.adminSocketMode); which of them, Node
 * cannot tell (no SO_PEERCRED), so the trail carries the user the CLI says it runs as, marked as such.
 */
function administratorHandlers(handlersFor: (api: ControlApi) => ControlHandlers, apiFor: (actor: Actor) => ControlApi): ControlHandlers {
  type Handler = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: unknown) => void;
  const wrapped: Record<string, Handler> = {};
  for (const name of Object.keys(controlProto.Control.service)) {
    wrapped[name] = (call, callback) => (handlersFor(apiFor(adminActor(call.metadata))) as unknown as Record<string, Handler>)[name]!(call, callback);
  }
  return wrapped as unknown as ControlHandlers;
}

function adminActor(metadata: grpc.Metadata): Actor {
  const said = metadata.get('am-user')[0];
  const user = typeof said === 'string' && USER_NAME.test(said) ? said : null;
  return { name: user === null ? 'admin socket' : `admin socket, user ${user} (as its CLI says)`, door: 'admin-socket' };
}

function auditKind(kind: string): AuditKind {
  if ((AUDIT_KINDS as readonly string[]).includes(kind)) return kind as AuditKind;
  throw new AppError('AM_INVALID_ARGUMENT', `kind: '${kind.slice(0, 40)}' is not one of ${AUDIT_KINDS.join(', ')}`);
}

function fieldChange(c: DomainChange): FieldChange {
  return { path: c.path, before: c.before, after: c.after, secret: c.secret === 'changed' };
}

function auditEntry(e: DomainEntry): AuditEntry {
  return {
    id: e.id,
    at: e.at,
    kind: e.kind,
    actor: e.actor,
    door: e.door,
    address: e.address ?? '',
    summary: e.summary,
    version: e.version ?? '',
    kept: e.kept ?? false,
    changes: (e.changes ?? []).map(fieldChange),
    reason: e.reason ?? '',
    revert_of: e.revertOf ?? 0,
  };
}

/** The submitters' door: their calls as they are, every other call refused before it runs. */
function submitterHandlers(handlers: ControlHandlers): ControlHandlers {
  const guarded: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    guarded[name] = SUBMITTER_CALLS.has(name) ? handler : refuse(name);
  }
  return guarded as unknown as ControlHandlers;
}

function refuse(name: string) {
  const error = () =>
    toServiceError(
      new AppError(
        'AM_ADMIN_ONLY',
        `${name} is an administrator's call and this is the submitters' socket (control.socket); run it as root or as the daemon's user, which reach control.adminSocket`,
      ),
    );
  return (call: grpc.ServerWritableStream<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
    if (callback) callback(error());
    else call.emit('error', error());
  };
}

function report(value: StoredReport | null): VersionReport | null {
  return value === null ? null : { version: String(value.version), at: value.at, error: value.error ?? '' };
}

function nodeInfo(n: NodeView): NodeInfo {
  return {
    name: n.name,
    mode: n.mode,
    connected: n.connected,
    last_seen: n.lastSeen ?? '',
    joined_at: n.joinedAt,
    received: report(n.received),
    applied: report(n.applied),
    verified: report(n.verified),
  };
}

function tokenInfo(t: TokenView): TokenInfo {
  return { id: t.id, created_at: t.createdAt, expires_at: t.expiresAt, state: t.state, used_at: t.usedAt ?? '', used_by: t.usedBy ?? '' };
}

function settingsCheck(c: DomainCheck | null): SettingsCheck | null {
  return c === null ? null : { version: String(c.version), outcome: c.outcome, error: c.error ?? '', at: c.at };
}

function outboxEntry(e: OutboxListing): OutboxEntry {
  return {
    id: e.id,
    kind: e.kind,
    to: [...e.to],
    sender: e.sender,
    subject: e.subject,
    size_bytes: String(e.sizeBytes),
    state: e.state,
    attempts: e.attempts,
    last_error: e.lastError,
    created_at: e.createdAt,
    next_attempt_at: e.nextAttemptAt,
  };
}

/** The token's state in words: valid until when, or why there is none. */
function oauth2Token(token: TokenStatus | null): string {
  if (token === null) return '';
  if (token.lastError !== null) return `no token: ${token.lastError}`;
  if (token.validUntil !== null) return `valid until ${token.validUntil} (grant ${token.grant}, ${token.endpoint})`;
  return `none yet (grant ${token.grant}, ${token.endpoint}): one is fetched for the next delivery`;
}

/**
 * Status as a submitter sees it: the config file's version (a hash of bytes that include the
 * password, so a guess could be checked against it), the files it names and a refused edit's message (which may
 * quote what was typed) stay with administrators; the code says that there is an error.
 */
function forSubmitters(reply: StatusReply): StatusReply {
  const config = reply.config;
  if (!config) return reply;
  return {
    ...reply,
    config: {
      ...config,
      version: '',
      files: [],
      error: config.error === '' ? '' : 'the config file has an error; an administrator sees it in status (root, or the daemon\'s user)',
    },
  };
}

function statusReply(s: DaemonStatus): StatusReply {
  const view = s.mailServer;
  return {
    node_name: s.nodeName,
    role: s.role,
    mode: s.mode,
    mail_server: {
      enabled: view.enabled,
      server: view.server ?? '',
      sender: view.sender ?? '',
      username: view.username ?? '',
      password: view.password,
      tls: view.tls,
      private_ca: view.privateCa,
      auth: view.auth,
      oauth2_token_url: view.oauth2?.tokenUrl ?? '',
      oauth2_grant: view.oauth2?.grant ?? '',
      oauth2_client_id: view.oauth2?.clientId ?? '',
      oauth2_client_secret: view.oauth2?.clientSecret ?? 'unset',
    },
    settings_source: s.settingsSource,
    config: {
      file: s.config.file,
      version: s.config.version,
      applied_at: s.config.appliedAt.toISOString(),
      error: s.config.error?.message ?? '',
      error_code: s.config.error?.code ?? '',
      error_at: s.config.error?.at.toISOString() ?? '',
      files: s.config.files.map((f) => ({ field: f.field, path: f.path, read_at: f.readAt.toISOString() })),
    },
    uptime_seconds: s.uptimeSeconds,
    daemon_version: s.daemonVersion,
    control_socket: s.controlSocket,
    control_access: s.controlAccess,
    admin_socket: s.adminSocket,
    admin_access: s.adminAccess,
    console_url: s.consoleUrl ?? '',
    warnings: s.warnings,
    federation: {
      listen: s.primary?.listen ?? '',
      settings_version: String(s.primary?.settingsVersion ?? 0),
      nodes: s.primary?.nodes ?? 0,
      nodes_connected: s.primary?.connected ?? 0,
      cert_sha256: s.primary?.certSha256 ?? '',
      primary: s.secondary?.primary ?? '',
      connection: s.secondary?.connection ?? '',
      applied_version: String(s.secondary?.appliedVersion ?? 0),
      last_heard: s.secondary?.lastHeard ?? '',
      applied_at: s.secondary?.appliedAt ?? '',
      verify: settingsCheck(s.primary?.verify ?? s.secondary?.verify ?? null),
      join_address: s.primary?.joinAddress ?? '',
    },
    outbox: {
      queued: s.outbox.queued,
      deferred: s.outbox.deferred,
      dead: s.outbox.dead,
      sent_since_start: String(s.outbox.sentSinceStart),
      last_error: s.delivery.lastError?.message ?? '',
      last_error_at: s.delivery.lastError?.at ?? '',
      last_error_server: s.delivery.lastError?.server ?? '',
      bytes_queued: String(s.outbox.bytes),
      max_bytes: String(s.outboxLimits.maxOutboxBytes),
      min_free_bytes: String(s.outboxLimits.minFreeBytes),
      lanes: Object.entries(s.outboxRoom).map(([lane, room]) => ({ lane, bytes: String(room.bytes), limit_bytes: String(room.limitBytes) })),
      state_lost: s.stateLost,
      last_delivery_at: s.delivery.lastDelivery?.at ?? '',
      last_delivery_server: s.delivery.lastDelivery?.server ?? '',
      previous_error: s.delivery.previousError?.message ?? '',
      previous_error_at: s.delivery.previousError?.at ?? '',
      previous_error_server: s.delivery.previousError?.server ?? '',
      oauth2_token: oauth2Token(s.delivery.oauth2),
    },
  };
}
