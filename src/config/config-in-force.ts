/**
 * The config in force (live-config.ts reads the files; this holds what they gave): the config,
 * when it was applied, the last refused edit, when each named file was last read, and the
 * listeners told of a change or a refusal.
 */
import type { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { Config } from './load.js';

export interface ConfigError {
  code: string;
  message: string;
  at: Date;
}

/** A file the config names, and when the daemon last read it (status shows it). */
export interface FileReadStatus {
  field: string;
  path: string;
  readAt: Date;
}

/** Called after a new config is in force, with the one it replaced. */
export type ConfigListener = (next: Config, previous: Config) => void;

export interface ConfigInForce {
  current(): Config;
  /** The error of the last refused edit, cleared by the next good one. */
  lastError(): ConfigError | null;
  appliedAt(): Date;
  /** The files the config in force names, with when each was last read. */
  files(): FileReadStatus[];
  onChange(listener: ConfigListener): void;
  /** Called when an edit of the file is refused (the last good config stays). */
  onRefused(listener: (error: ConfigError) => void): void;
  /** `paths` were read just now. */
  noteRead(paths: readonly string[]): void;
  /** Puts `next` in force and tells the listeners. */
  apply(next: Config): void;
  /** The file reads as the config in force again: a refusal is over. */
  unchanged(): void;
  /** An edit is refused for good: the last good config stays, the listeners are told. */
  refuse(appError: AppError): void;
}

export function createConfigInForce(initial: Config, log: Logger): ConfigInForce {
  let config = initial;
  let appliedAt = new Date();
  let error: ConfigError | null = null;
  const listeners: ConfigListener[] = [];
  const refusedListeners: Array<(error: ConfigError) => void> = [];
  const file = initial.file;
  const readAt = new Map<string, Date>(initial.files.map((f) => [f.path, appliedAt]));

  return {
    current: () => config,
    lastError: () => error,
    appliedAt: () => appliedAt,
    files: () => config.files.map((f) => ({ field: f.field, path: f.path, readAt: readAt.get(f.path) ?? appliedAt })),
    onChange(listener) {
      listeners.push(listener);
    },
    onRefused(listener) {
      refusedListeners.push(listener);
    },
    noteRead(paths) {
      const now = new Date();
      for (const path of paths) readAt.set(path, now);
    },
    apply(next) {
      const previous = config;
      config = next;
      appliedAt = new Date();
      error = null;
      const changed = changedFiles(previous.files, next.files);
      log.info({ file, version: next.version, previous: previous.version, ...(changed.length > 0 ? { files: changed } : {}) }, 'config applied');
      for (const listener of listeners) listener(next, previous);
    },
    unchanged() {
      if (error) log.info({ file }, 'config file is back to the config in force; error cleared');
      error = null;
    },
    refuse(appError) {
      error = { code: appError.code, message: appError.message, at: new Date() };
      log.error({ file, code: appError.code, issues: appError.details['issues'] }, appError.message);
      for (const listener of refusedListeners) listener(error);
    },
  };
}

/** The fields whose file was added, removed or rewritten (for the log: which file the reload was about). */
function changedFiles(previous: Config['files'], next: Config['files']): string[] {
  const before = new Map(previous.map((f) => [f.field, f.sha256]));
  const after = new Map(next.map((f) => [f.field, f.sha256]));
  return [...new Set([...before.keys(), ...after.keys()])].filter((field) => before.get(field) !== after.get(field));
}
