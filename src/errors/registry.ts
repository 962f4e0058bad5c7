/**
 * Every error the daemon or the CLI can report is declared here once, with a stable code.
 * Codes are part of the operator interface (logs, `status`, CLI output, gRPC details) and are
 * documented in docs/reference/errors.md, generated from here and src/errors/descriptions.ts
 * (`npm run docs`); a test fails when the page is stale.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';

interface ErrorSpec {
  /** gRPC status used when the error crosses the control or federation API. */
  grpc: GrpcStatus;
  /** CLI exit code: 1 for "the request failed", 2 for usage, 3 for "cannot reach the daemon". */
  exit: number;
}

export const ERROR_CODES = {
  AM_USAGE: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 2 },
  AM_CONFIG_INVALID: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 1 },
  AM_CONFIG_UNREADABLE: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_STATE_CORRUPT: { grpc: GrpcStatus.DATA_LOSS, exit: 1 },
  AM_STATE_IO: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_DAEMON_UNREACHABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 3 },
  AM_ALREADY_RUNNING: { grpc: GrpcStatus.ALREADY_EXISTS, exit: 1 },
  AM_ADDRESS_IN_USE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_CLOSED: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_INVALID_ARGUMENT: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 1 },
  AM_ADMIN_ONLY: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_NOT_PRIMARY: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_NOT_SECONDARY: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_TOKEN_INVALID: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_TOKEN_EXPIRED: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_TOKEN_USED: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_TOKEN_UNKNOWN: { grpc: GrpcStatus.NOT_FOUND, exit: 1 },
  AM_PRIMARY_CERT_MISMATCH: { grpc: GrpcStatus.UNAUTHENTICATED, exit: 1 },
  AM_PRIMARY_UNREACHABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_UNAUTHENTICATED: { grpc: GrpcStatus.UNAUTHENTICATED, exit: 1 },
  AM_NODE_REVOKED: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_NODE_UNKNOWN: { grpc: GrpcStatus.NOT_FOUND, exit: 1 },
  AM_NODE_NAME_TAKEN: { grpc: GrpcStatus.ALREADY_EXISTS, exit: 1 },
  AM_ALREADY_JOINED: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_NOT_JOINED: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_MAIL_DISABLED: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_MESSAGE_INVALID: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 1 },
  AM_RECIPIENT_INVALID: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 1 },
  AM_MESSAGE_TOO_LARGE: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: 1 },
  AM_BUSY: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: 1 },
  AM_OUTBOX_UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_DROP_FOLDER_UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_DROP_FILE_BAD: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 1 },
  AM_OUTBOX_FULL: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: 1 },
  AM_STATE_LOST: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_CLIENT_LIMITED: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: 1 },
  AM_OUTBOX_CORRUPT: { grpc: GrpcStatus.DATA_LOSS, exit: 1 },
  AM_MESSAGE_UNKNOWN: { grpc: GrpcStatus.NOT_FOUND, exit: 1 },
  AM_CONFIG_CHANGED: { grpc: GrpcStatus.ABORTED, exit: 1 },
  AM_READ_ONLY: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_LOGIN_FAILED: { grpc: GrpcStatus.UNAUTHENTICATED, exit: 1 },
  AM_LOGIN_RATE_LIMITED: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, exit: 1 },
  AM_LOGIN_BUSY: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_CONSOLE_USER_UNKNOWN: { grpc: GrpcStatus.NOT_FOUND, exit: 1 },
  AM_CSRF: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  AM_OAUTH2_REFUSED: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  AM_OAUTH2_UNREACHABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  AM_INTERNAL: { grpc: GrpcStatus.INTERNAL, exit: 1 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class of the project: a stable code, an actionable message, the cause kept. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Extra facts for logs and machine readers (field paths, counts); never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  get grpcStatus(): GrpcStatus {
    return ERROR_CODES[this.code].grpc;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(err: unknown, fallback: ErrorCode = 'AM_INTERNAL'): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError(fallback, message, { cause: err });
}
