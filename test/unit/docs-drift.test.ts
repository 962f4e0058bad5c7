import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types (scripts/docs/gen.mjs); `pretest` builds dist/ for it.
import { generatedFiles, ROOT } from '../../scripts/docs/gen.mjs';

describe('generated docs (scripts/docs/)', () => {
  it('every generated file is checked in as its generator writes it', async () => {
    const files: Map<string, { content: string; by: string }> = await generatedFiles();
    expect(files.size).toBeGreaterThan(0);
    const stale: string[] = [];
    for (const [path, { content, by }] of files) {
      const onDisk = await readFile(join(ROOT, path), 'utf8').catch(() => null);
      if (onDisk !== content) stale.push(`${path} (${onDisk === null ? 'missing' : 'stale'}; from scripts/docs/${by})`);
    }
    expect(stale, 'run `npm run docs` and commit the result').toEqual([]);
  });
});
