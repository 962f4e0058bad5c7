/**
 * The edge where AppErrors cross gRPC: a handler's error becomes a status with a readable details
 * string and the stable code in metadata; a client turns it back into the same AppError.
 */
import * as grpc from '@grpc/grpc-js';
import { AppError, isErrorCode, toAppError, type ErrorCode } from '../errors/registry.js';

const CODE_KEY = 'am-error-code';

export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  const appError = toAppError(err);
  const metadata = new grpc.Metadata();
  metadata.set(CODE_KEY, appError.code);
  return { code: appError.grpcStatus, details: appError.message, metadata };
}

/** What to say when the peer could not be reached at all (the daemon for the CLI, the primary for a secondary). */
export interface Unreachable {
  code: ErrorCode;
  /** Where it was not reached; the reason follows it after a colon. */
  message: string;
  /** What to check, said after the reason. */
  hint?: string;
}

/**
 * Turns a failed call back into an AppError: the peer's own code when it sent one, `unreachable`
 * (with the reason in a few words) when the call never got through, AM_INTERNAL otherwise.
 * grpc-js's own wording never reaches the operator as it is.
 */
export function fromServiceError(err: grpc.ServiceError, unreachable: Unreachable): AppError {
  const code = err.metadata?.get(CODE_KEY)[0];
  if (typeof code === 'string' && isErrorCode(code)) return new AppError(code, err.details, { cause: err });
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
    const reason = describeConnectionFailure(err.details ?? '');
    return new AppError(unreachable.code, `${unreachable.message}: ${reason}${unreachable.hint ? `. ${unreachable.hint}` : ''}`, { cause: err });
  }
  return new AppError('AM_INTERNAL', describeConnectionFailure(err.details || err.message), { cause: err });
}

/** Longest reason kept from a text grpc-js or a peer wrote: one line is enough to act on. */
const REASON_MAX_CHARS = 200;

/** Known failures, in the words an operator acts on; the first match wins. */
const REASONS: Array<[RegExp, string | ((m: RegExpMatchArray) => string)]> = [
  [/ECONNREFUSED/, 'connection refused'],
  [/connect ENOENT/, 'no socket at that path'],
  [/EACCES|EPERM/, 'permission denied'],
  [/ENOTFOUND|EAI_AGAIN|EAI_NONAME|Name resolution failed/, 'name not resolved'],
  [/EADDRNOTAVAIL/, 'address not available on this machine'],
  [/EHOSTUNREACH/, 'host unreachable'],
  [/ENETUNREACH/, 'network unreachable'],
  [/ETIMEDOUT|Deadline exceeded/i, 'timed out'],
  [/ECONNRESET|socket hang up|socket disconnected before secure TLS/, 'connection reset by the peer'],
  // OpenSSL's "<hex>:error:<code>:SSL routines:<function>:<reason>:<source file>:<line>:".
  [/SSL routines:[^:]*:([^:]+):/, (m) => `TLS handshake failed: ${m[1]}`],
  [/certificate|self[- ]signed|altnames|ERR_TLS|ERR_SSL/i, (m) => `TLS handshake failed: ${m.input ?? ''}`],
];

/**
 * Why a connection failed, in a few words, from grpc-js's text ("No connection established. Last
 * error: Error: connect ECONNREFUSED 127.0.0.1:7443. Resolution note: " is "connection refused")
 * or from a Node socket's error message.
 */
export function describeConnectionFailure(details: string): string {
  const inner =
    /Last error: (?:Error: )?([\s\S]*?)(?:\. Resolution note:[\s\S]*)?$/.exec(details) ?? // a channel's failure
    /^No address added out of total \d+ resolved errors: \[([\s\S]*)\]$/.exec(details); // a server's bind
  const text = printable(inner ? inner[1]! : details.replace(/^Error: /, ''))
    // Node 24 adds advice about the system's CAs to a failed verification; these peers are
    // checked against a pinned or configured CA, never the system's.
    .replace(/; if the root CA is installed locally, try running Node\.js with --use-system-ca/, '')
    .replace(/[. ]+$/, '');
  for (const [pattern, say] of REASONS) {
    const m = text.match(pattern);
    if (m) return typeof say === 'string' ? say : say(m);
  }
  return text === '' ? 'no reason given' : text;
}

/** Text from a library or a peer is data: one line, no control characters, bounded. */
function printable(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > REASON_MAX_CHARS ? `${line.slice(0, REASON_MAX_CHARS)}…` : line;
}

/** Runs an async handler and answers a unary call with its result or its error. */
export function unary<Req, Res>(
  handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    // A handler that throws before its first await must still answer with its error.
    Promise.resolve()
      .then(() => handler(call.request, call))
      .then(
      (reply) => callback(null, reply),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

/** Calls a unary method of a generated client (bound to it) as a promise. */
export function call<Req, Res>(
  method: (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => unknown,
  request: Req,
  deadlineMs: number,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: Date.now() + deadlineMs }, (err, reply) => {
      if (err) reject(err);
      else resolve(reply as Res);
    });
  });
}
