import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES } from '../../src/errors/registry.js';

describe('error registry', () => {
  it('documents every code in docs/reference/errors.md, with its exit code, and nothing else', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/reference/errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `(AM_[A-Z0-9_]+)` \| (\d) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(new Map(rows as Array<[string, number]>)).toEqual(new Map(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.exit])));
  });

  it('keeps the cause', () => {
    const cause = new Error('disk');
    const err = new AppError('AM_STATE_IO', 'cannot write', { cause });
    expect(err.cause).toBe(cause);
    expect(err.code).toBe('AM_STATE_IO');
  });
});
