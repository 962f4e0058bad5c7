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

/**
 * `unreachable` names the error used when the peer could not be reached at all (the daemon for
 * the CLI, the primary for a secondary).
 */
export function fromServiceError(err: grpc.ServiceError, unreachable: { code: ErrorCode; message: string }): AppError {
  const code = err.metadata?.get(CODE_KEY)[0];
  if (typeof code === 'string' && isErrorCode(code)) return new AppError(code, err.details, { cause: err });
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED) {
    return new AppError(unreachable.code, unreachable.message, { cause: err });
  }
  return new AppError('AM_INTERNAL', err.details || err.message, { cause: err });
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
