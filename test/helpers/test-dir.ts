/**
 * A temporary folder, removed when the test that made it finishes. For unit tests: their files
 * share one module graph per worker (vitest.config.ts, `isolate: false`), so a helper's top-level
 * `afterAll` (as test/helpers/daemon.ts's) runs for the first file that loads it only, and the
 * folders of the others would stay in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
