/** One afterAll for the files that start daemons, a browser and SMTP sinks in their beforeAll. */
import type { Node } from './fleet.js';

/** A browser, an SMTP sink, a token endpoint: anything started that has a close(). */
interface Closable {
  close(): unknown;
}

/**
 * Closes `parts` one after the other, in the order given; a part that never started (its
 * beforeAll failed first) is undefined and skipped. A fleet node closes its control client, then
 * stops its daemon.
 */
export async function closeAll(...parts: ReadonlyArray<Closable | Node | null | undefined>): Promise<void> {
  for (const part of parts) {
    if (!part) continue;
    if ('daemon' in part) {
      part.control.close();
      await part.daemon.stop();
    } else await part.close();
  }
}
