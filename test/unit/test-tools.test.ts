import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingCapability, missingTool, needsRoot } from '../helpers/tools.js';

/** The helpers that decide whether a test may skip: locally it says why; under CI it fails. */
describe('test skips (test/helpers/tools.ts)', () => {
  const required = process.env['AM_TEST_REQUIRE_TOOLS'];
  afterEach(() => {
    if (required === undefined) delete process.env['AM_TEST_REQUIRE_TOOLS'];
    else process.env['AM_TEST_REQUIRE_TOOLS'] = required;
    vi.restoreAllMocks();
  });

  it('skips with a line naming the reason, locally', () => {
    delete process.env['AM_TEST_REQUIRE_TOOLS'];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(missingCapability('the partition test', 'needs root to create network namespaces')).toBe(true);
    expect(missingTool('no-such-tool-am', 'no-such-package')).toBe(true);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      'the partition test skipped: needs root to create network namespaces',
      'no-such-tool-am is not installed (apt-get install no-such-package); the tests that need it are skipped',
    ]);
  });

  it('fails instead under AM_TEST_REQUIRE_TOOLS=1, for a missing capability as for a missing tool', () => {
    process.env['AM_TEST_REQUIRE_TOOLS'] = '1';
    expect(() => missingCapability('the disk-full test', 'needs root to mount a small tmpfs')).toThrow(/disk-full test skipped: needs root.*not allowed under AM_TEST_REQUIRE_TOOLS=1/);
    expect(() => missingTool('no-such-tool-am', 'no-such-package')).toThrow(/not allowed under AM_TEST_REQUIRE_TOOLS=1/);
  });

  it('does not skip when nothing is missing', () => {
    process.env['AM_TEST_REQUIRE_TOOLS'] = '1';
    expect(missingCapability('anything', null)).toBe(false);
    expect(needsRoot('x')).toBe(process.getuid?.() === 0 ? null : 'needs root to x');
  });
});
