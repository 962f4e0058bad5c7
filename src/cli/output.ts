/**
 * The CLI's stdout and stderr, and how it ends: only after both have been written out. A pipe
 * takes 64 KiB at once; the rest is queued in the process, and process.exit() would drop it
 * (`outbox --json | jq` once got 65,536 of 73,534 bytes and exit 0).
 */

/** What a command ends with when its reader goes away: 128 + SIGPIPE, as a C tool killed by it. */
export const EXIT_READER_GONE = 141;

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Ends the process with `code` once everything written has left it (or the reader is gone). */
  exitWhenWritten: (code: number) => void;
}

export function createCliOutput(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, exit: (code: number) => never): CliOutput {
  let readerGone = false;
  // A reader that closes early (`| head`) is the reader's choice: end quietly, no stack trace.
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    readerGone = true;
    exit(EXIT_READER_GONE);
  };
  const isReaderGone = (err: NodeJS.ErrnoException | null | undefined) => {
    if (err?.code === 'EPIPE') readerGone = true;
  };
  stdout.on('error', onError);
  stderr.on('error', onError);
  const writer = (stream: NodeJS.WriteStream) => (line: string) => {
    if (!readerGone) stream.write(`${line}\n`);
  };
  return {
    out: writer(stdout),
    err: writer(stderr),
    exitWhenWritten(code) {
      let pending = 2;
      const done = () => {
        if (--pending === 0) exit(readerGone ? EXIT_READER_GONE : code);
      };
      // An empty write's callback runs once everything queued before it has been handed to the OS.
      for (const stream of [stdout, stderr]) {
        if (readerGone || stream.writableLength === 0) done();
        else
          stream.write('', (err) => {
            isReaderGone(err);
            done();
          });
      }
    },
  };
}
