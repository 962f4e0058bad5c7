/**
 * The daemon's own state (federation membership and credentials, the last centralized settings),
 * kept with lowdb in one JSON file under node.stateDir. Small and rarely written: lowdb's
 * whole-file rewrite is cheap here. The mail queue does not live here (see src/relay/outbox).
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { AppError } from '../errors/registry.js';
import { describeJsonError } from '../util/json-position.js';
import { PRIVATE_DIR_MODE, writeFileDurably } from '../util/durable-file.js';
import { emptyState, parseState, type State } from './schema.js';
import { deepFreeze } from '../util/objects.js';

export const STATE_FILE_NAME = 'state.json';

/** lowdb adapter: atomic, fsync'd, mode 0600 writes; a corrupt file is an error, never a reset. */
class DurableJsonFile implements Adapter<State> {
  constructor(private readonly path: string) {}

  async read(): Promise<State | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AppError('AM_STATE_IO', `cannot read state file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON.parse's message (nor the error as cause): it quotes the text, credentials included.
      throw corrupt(this.path, describeJsonError(text));
    }
    const parsed = parseState(json);
    if ('problem' in parsed) throw corrupt(this.path, parsed.problem);
    return parsed.state;
  }

  async write(data: State): Promise<void> {
    try {
      // Compact: the file is the daemon's, and indenting cost more than the write itself.
      await writeFileDurably(this.path, `${JSON.stringify(data)}\n`);
    } catch (err) {
      throw new AppError('AM_STATE_IO', `cannot write state file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function corrupt(path: string, reason: string, cause?: unknown): AppError {
  return new AppError(
    'AM_STATE_CORRUPT',
    `state file ${path} is corrupt: ${reason}. The daemon will not start on a state it cannot trust; ` +
      `restore it from a backup, or move it aside to start afresh (a secondary must then join again)`,
    { cause, details: { file: path } },
  );
}

export interface StateStore {
  readonly path: string;
  /** The state as it is on disk, deep-frozen: change it through `update`. */
  get(): Readonly<State>;
  /** Applies `fn` to the state and writes it durably before resolving. Writes are serialized. */
  update(fn: (state: State) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * lowdb is used as designed: `db.update(fn)` changes `db.data` in place and writes it through the
 * durable adapter; `db.read()` loads it. Two properties lowdb alone does not give are kept around
 * it, by what readers see rather than by going around lowdb:
 * - readers get `committed`, a frozen state that is replaced once a write succeeded, so nobody
 *   acts on a change (a settings version, a credential) before it is on disk;
 * - each update works on one fresh copy of `committed` (one clone per write, no copy back): when
 *   `fn` throws or the write fails, that copy is dropped and memory stays as it is on disk (the
 *   adapter writes by rename: the file holds the old state or the new one).
 * The state is small (membership, tokens, the centralized settings, the version): the primary's
 * node records, which grow with the fleet and change on every report, live in their own log
 * (src/federation/node-log.ts).
 */
export async function openStateStore(stateDir: string): Promise<StateStore> {
  const path = join(stateDir, STATE_FILE_NAME);
  const db = new Low<State>(new DurableJsonFile(path), emptyState());
  await mkdir(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await db.read();
  // Write the file on first start so that its mode and place are settled before any secret.
  if (!(await fileExists(path))) await db.write();
  let committed: Readonly<State> = deepFreeze(db.data);
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  return {
    path,
    get: () => committed,
    update(fn) {
      if (closed) return Promise.reject(new AppError('AM_CLOSED', 'the state store is closed'));
      const next = queue.then(async () => {
        // A failure (fn throws, the write fails) leaves this draft behind: the next update
        // starts from `committed` again.
        const draft = structuredClone(committed) as State;
        db.data = draft;
        await db.update(fn);
        committed = deepFreeze(draft);
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      closed = true;
      await queue;
    },
  };
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
