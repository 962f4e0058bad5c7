import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

const DIR = resolve(import.meta.dirname, '../../config');

it.each(readdirSync(DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json') && f !== 'digest-example.json'))('config/%s is valid', (file) => {
  const result = configSchema.safeParse(JSON.parse(readFileSync(resolve(DIR, file), 'utf8')));
  expect(result.success ? [] : result.error.issues).toEqual([]);
});
