/**
 * Debian tools some tests drive as independent peers (chromium, swaks, mailx, promtool,
 * systemd's helpers, aiosmtpd). On a developer's machine without them, those tests are skipped
 * with a line naming the package; under CI (.ci/run installs them and sets
 * AM_TEST_REQUIRE_TOOLS=1) a missing tool fails the run instead, so nothing is skipped there.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** `check` is a command on PATH, an absolute path, or a function that says whether it works. */
export function missingTool(what: string, debianPackage: string, check: string | (() => boolean) = what): boolean {
  const present =
    typeof check === 'function'
      ? check()
      : check.startsWith('/')
        ? executable(check)
        : spawnSync('sh', ['-c', `command -v ${check}`], { stdio: 'ignore' }).status === 0;
  if (present) return false;
  const message = `${what} is not installed (apt-get install ${debianPackage}); the tests that need it are skipped`;
  if (process.env['AM_TEST_REQUIRE_TOOLS'] === '1') throw new Error(`${message} — not allowed under AM_TEST_REQUIRE_TOOLS=1`);
  console.warn(message);
  return true;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
