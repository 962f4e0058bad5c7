/**
 * When the live config (live-config.ts) reads its files again: the config file and every file it
 * names are watched through their folders, so in-place writes, editors that rename a temporary
 * file over one and delete-then-create are all seen; their events are debounced into reads, and a
 * read that found the file invalid can ask for one more once the save has settled.
 */
import { dirname, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * Events of one save arrive within a millisecond or two; a short quiet time saves reading the
 * file once per event. A read that comes too early is harmless: the next event reads again, and a
 * file that reads as invalid is read once more when settled (below).
 */
const DEBOUNCE_MS = 3;
/**
 * An editor writing in place can be caught between truncate and write. A file that reads as
 * invalid is read again after this long, and the error is reported only if the bytes are the
 * same (a finished save): a half-written file costs a short delay, not a false alarm.
 */
const SETTLE_MS = 150;

/** Why a read is due: 'event', a watched file changed; 'settled', the second look settle() asked for. */
export type ReadCause = 'event' | 'settled';

export interface ConfigWatch {
  /** Watches `paths` (besides the config file) from now on; folders not yet watched are added. */
  follow(paths: readonly string[]): void;
  /** Asks for one more read once a save under way has had time to finish (replaces a pending debounced read). */
  settle(): void;
  start(): Promise<void>;
  /** Stops the watcher and drops the reads not yet due. */
  close(): Promise<void>;
}

/** Watches `file` and `paths`, calling `read` when they should be read again. */
export function watchConfigFiles(file: string, paths: readonly string[], read: (cause: ReadCause) => void): ConfigWatch {
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  /** The config file and the files named by the config in force (or by a refused edit: a missing file is watched for). */
  let watched = new Set<string>([file, ...paths]);

  function schedule(delayMs: number): void {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      read(delayMs === SETTLE_MS ? 'settled' : 'event');
    }, delayMs);
    debounce.unref();
  }

  function onFileEvent(): void {
    schedule(DEBOUNCE_MS);
  }

  return {
    follow(paths) {
      const next = new Set<string>([file, ...paths]);
      const folders = (of: Set<string>) => new Set([...of].map((path) => dirname(path)));
      const added = [...folders(next)].filter((folder) => !folders(watched).has(folder));
      watched = next;
      if (watcher && added.length > 0) watcher.add(added);
    },
    settle: () => schedule(SETTLE_MS),
    async start() {
      // Watch folders, not files: a watch on a file itself is lost when an editor replaces it
      // with rename() or the file is deleted and created again.
      const folders = watch([...new Set([...watched].map((path) => dirname(path)))], {
        ignoreInitial: true,
        depth: 0,
        atomic: false,
        ignored: (path: string) => !watched.has(path) && ![...watched].some((named) => dirname(named) === path),
      });
      watcher = folders;
      folders.on('all', (_event, path) => {
        if (watched.has(path)) onFileEvent();
      });
      // chokidar drops a 'change' that follows another within 50 ms of it (a leading-edge
      // throttle with no trailing event): a save right after another would be seen only by a
      // later read. Its 'raw' events are every fs.watch event, before that throttle: from a
      // folder's watch they name the file, from a file's own watch the file is the watched path.
      folders.on('raw', (_event, name: string | null, details) => {
        const at = (details as { watchedPath?: string } | undefined)?.watchedPath;
        if (at === undefined) return;
        // fs.watch does not promise a file name with every event: then only the path watched tells.
        if (watched.has(at) || (typeof name === 'string' && watched.has(join(at, name)))) onFileEvent();
      });
      await new Promise<void>((resolve, reject) => {
        folders.once('ready', resolve);
        folders.once('error', reject);
      });
    },
    async close() {
      if (debounce) clearTimeout(debounce);
      await watcher?.close();
      watcher = null;
    },
  };
}
