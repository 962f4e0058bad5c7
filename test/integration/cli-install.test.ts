/**
 * What the README's install steps rely on: the built CLI runs through its own shebang (the link
 * into /usr/local/bin), and says its version.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/daemon.js';

const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

it('dist/cli/main.js is executable after the build and runs by itself', async () => {
  // npm test builds first (pretest), and the build's postbuild step sets the mode.
  expect(statSync(CLI).mode & 0o111).toBe(0o111);
  const { stdout } = await promisify(execFile)(CLI, ['--version']);
  expect(stdout).toBe(`appliance-mail ${version}\n`);
});

it.each(['--version', '-V'])('%s prints the package version', async (flag) => {
  const result = await runCli([flag]);
  expect(result).toEqual({ code: 0, stdout: `appliance-mail ${version}\n`, stderr: '' });
});
