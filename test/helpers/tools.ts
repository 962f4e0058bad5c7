/**
 * Debian tools some tests drive as independent peers (chromium, swaks, mailx, promtool,
 * systemd's helpers, aiosmtpd, groff), and what some tests need of the machine (root, network
 * namespaces, a tmpfs mount). On a developer's machine without them, those tests are skipped
 * with a line naming the package or the reason; under CI (.ci/run installs the packages, runs as
 * root, and sets AM_TEST_REQUIRE_TOOLS=1) a missing one fails the run instead, so nothing is
 * skipped there.
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
  return skipping(`${what} is not installed (apt-get install ${debianPackage}); the tests that need it are skipped`);
}

/**
 * For tests that need something of the machine rather than a package: `reason` says what is
 * missing (null: nothing is). True when the tests must be skipped.
 */
export function missingCapability(tests: string, reason: string | null): boolean {
  return reason === null ? false : skipping(`${tests} skipped: ${reason}`);
}

/** The reason a test needs root, or null when it runs as root. */
export function needsRoot(forWhat: string): string | null {
  return process.getuid?.() === 0 ? null : `needs root to ${forWhat}`;
}

function skipping(message: string): true {
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
