import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const fresh = mkdtempSync(join(tmpdir(), 'am-gen-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  }
  return out;
}

it('src/generated matches proto/ (run `npm run gen:proto` after editing a .proto)', () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/gen-proto.mjs'), fresh], { stdio: 'ignore' });
  expect(files(join(ROOT, 'src/generated'))).toEqual(files(fresh));
});
