import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = resolve(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

describe('layers (docs/explanation/architecture.md)', () => {
  it('every import in src/ goes down a layer, type imports included, with no cycle', async () => {
    // The rules live in .dependency-cruiser.cjs; this runs them as `npx depcruise src` would.
    const run = await promisify(execFile)(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT }).then(
      ({ stdout }) => ({ ok: true, out: stdout }),
      (err: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, out: `${err.stdout ?? ''}${err.stderr ?? err.message}` }),
    );
    expect(run.ok, `layer violations (fix the import, or see .dependency-cruiser.cjs):\n${run.out}`).toBe(true);
    expect(run.out).toMatch(/no dependency violations found \(\d+ modules/);
    // ~4 s of CPU; a loaded 2-core machine stretches it past the default 30 s.
  }, 120_000);
});
