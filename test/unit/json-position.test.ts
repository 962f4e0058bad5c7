/**
 * JSON errors said by position, never by quoting (issue 11, finding 2): the scan agrees with
 * JSON.parse on what is JSON, and its message holds no piece of the text around the error.
 * The state file (credentials) uses the same words.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/registry.js';
import { openStateStore } from '../../src/state/store.js';
import { describeJsonError, locateJsonError } from '../../src/util/json-position.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);

describe('locateJsonError', () => {
  it('names line, column and the last key read', () => {
    const text = '{\n  "mailServer": {\n    "password": Sup3rSecretSMTPpw",\n    "tls": true\n  }\n}\n';
    expect(locateJsonError(text)).toEqual({ line: 3, column: 17, key: 'mailServer.password', reason: 'unexpected character' });
    expect(describeJsonError(text)).toBe('not valid JSON at line 3, column 17 (after key mailServer.password): unexpected character');
    expect(locateJsonError('{"a": [1, {"b": tru}]}')).toMatchObject({ line: 1, column: 17, key: 'a.1.b' });
    expect(locateJsonError('{"a": "x\ny"}')).toMatchObject({ line: 1, column: 9, reason: 'line break or control character inside a string' });
    expect(locateJsonError('')).toMatchObject({ line: 1, column: 1, key: null, reason: 'unexpected end of the file' });
    expect(locateJsonError('[['.repeat(100_000))?.reason).toBe('nested too deeply');
  });

  it(`agrees with JSON.parse on what is JSON, and always gives a position (seed ${SEED})`, () => {
    const jsonish = fc.oneof(
      fc.json(),
      // A valid text damaged at one place, as a typo does.
      fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', '"', ',', '}', ']', ':', 'x', '\n', '\\')).map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + 1);
      }),
      fc.string(),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const at = locateJsonError(text);
        expect(at === null).toBe(valid);
        if (at !== null) {
          const message = describeJsonError(text);
          expect(message).toMatch(/^not valid JSON at line \d+, column \d+/);
          expect(at.line).toBeGreaterThanOrEqual(1);
          expect(at.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('the state file', () => {
  it('a state file that is not JSON is AM_STATE_CORRUPT with a position, without quoting the credential', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'am-state-json-'));
    try {
      const secret = 'Zk4Secr3tCredXq9';
      await writeFile(join(dir, 'state.json'), `{\n  "schema": 1,\n  "membership": {"credential": ${secret}"}\n}\n`, { mode: 0o600 });
      const err = await openStateStore(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('AM_STATE_CORRUPT');
      expect((err as AppError).message).toContain('not valid JSON at line 3, column 32 (after key membership.credential)');
      const pieces = Array.from({ length: secret.length - 3 }, (_, i) => secret.slice(i, i + 4));
      expect(pieces.filter((p) => (err as AppError).message.includes(p) || String((err as AppError).cause ?? '').includes(p))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
