import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

  it('src/ uses no async hook: on Node 20 one AsyncLocalStorage or createHook taxes every promise the daemon makes from then on', () => {
    // docs/explanation/audit.md: the actor is passed, not carried; a hook came back with an
    // administrator's first call and stayed for the life of the process.
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const using = files.filter((f) => /from 'node:async_hooks'|require\('node:async_hooks'\)|from 'async_hooks'/.test(readFileSync(join(ROOT, 'src', f), 'utf8')));
    expect(files.length).toBeGreaterThan(100);
    expect(using).toEqual([]);
  });
});
