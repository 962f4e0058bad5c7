/**
 * The Web Console's administrator accounts: one file under the state folder (0600), each
 * password as a salted scrypt hash. The file is read at every login and every request of a
 * session, so an account set with `appliance-mail console passwd` works at once, without a
 * restart, and a changed password or a removed account ends the sessions opened with the old one.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/registry.js';
import { writeFileDurably } from '../util/durable-file.js';

export const CONSOLE_USERS_FILE = 'console-users.json';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** NIST SP 800-63B's floor for a memorized secret chosen by its user. */
export const MIN_PASSWORD_CHARS = 8;
const MAX_PASSWORD_CHARS = 1024;
/**
 * scrypt at N=2^15, r=8 (32 MiB, ~50-100 ms a check): OWASP's recommended floor for scrypt.
 * Kept with each hash so that a later increase leaves existing accounts working.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

const accountSchema = z.object({
  salt: z.string(),
  hash: z.string(),
  N: z.number().int().positive(),
  r: z.number().int().positive(),
  p: z.number().int().positive(),
  changedAt: z.string(),
});
const fileSchema = z.object({ users: z.record(z.string(), accountSchema) });
type Account = z.infer<typeof accountSchema>;

export interface ConsoleUsers {
  /** Creates NAME or replaces its password; true when it was created. */
  setPassword(name: string, password: string): Promise<boolean>;
  /**
   * The account's password version for a known name with this password, null otherwise; takes
   * as long for an unknown name.
   */
  verify(name: string, password: string): Promise<string | null>;
  /**
   * A fingerprint of NAME's current password (a new one at every `setPassword`), null when there
   * is no such account: a session compares it with the one it was opened with.
   */
  passwordVersion(name: string): Promise<string | null>;
  /** Removes NAME; AM_CONSOLE_USER_UNKNOWN when there is no such account. */
  remove(name: string): Promise<void>;
  count(): Promise<number>;
}

export function openConsoleUsers(stateDir: string): ConsoleUsers {
  const path = join(stateDir, CONSOLE_USERS_FILE);
  let writing: Promise<unknown> = Promise.resolve();

  async function read(): Promise<Map<string, Account>> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new AppError('AM_STATE_IO', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('AM_STATE_CORRUPT', `${path} is not valid JSON`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw new AppError('AM_STATE_CORRUPT', `${path} does not match its schema: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    // A Map, not the parsed object: names such as "__proto__" stay plain keys.
    return new Map(Object.entries(parsed.data.users));
  }

  /** One write at a time, each on the file the previous one wrote. */
  function update<T>(change: (users: Map<string, Account>) => T): Promise<T> {
    const task = writing.then(async () => {
      const users = await read();
      const result = change(users);
      await writeFileDurably(path, `${JSON.stringify({ users: Object.fromEntries(users) }, null, 2)}\n`);
      return result;
    });
    writing = task.catch(() => undefined);
    return task;
  }

  return {
    async setPassword(name, password) {
      if (!NAME.test(name)) throw new AppError('AM_INVALID_ARGUMENT', 'a console user name is 1-63 letters, digits, dots, dashes or underscores');
      if (password.length < MIN_PASSWORD_CHARS) throw new AppError('AM_INVALID_ARGUMENT', `the password must have at least ${MIN_PASSWORD_CHARS} characters`);
      if (password.length > MAX_PASSWORD_CHARS) throw new AppError('AM_INVALID_ARGUMENT', `the password must have at most ${MAX_PASSWORD_CHARS} characters`);
      const salt = randomBytes(SALT_BYTES);
      const hash = await derive(password, salt, SCRYPT);
      return update((users) => {
        const created = !users.has(name);
        users.set(name, { salt: salt.toString('base64'), hash: hash.toString('base64'), ...SCRYPT, changedAt: new Date().toISOString() });
        return created;
      });
    },
    async remove(name) {
      await update((users) => {
        if (!users.delete(name)) throw new AppError('AM_CONSOLE_USER_UNKNOWN', `there is no console user ${JSON.stringify(name.slice(0, 64))}`);
      });
    },
    async passwordVersion(name) {
      const account = (await read()).get(name);
      return account ? versionOf(account) : null;
    },
    async verify(name, password) {
      const account = (await read()).get(name);
      if (!account || password.length > MAX_PASSWORD_CHARS) {
        // Same work for an unknown name: the answer's timing does not tell which names exist.
        await derive(password.slice(0, MAX_PASSWORD_CHARS), randomBytes(SALT_BYTES), SCRYPT);
        return null;
      }
      const expected = Buffer.from(account.hash, 'base64');
      const seen = await derive(password, Buffer.from(account.salt, 'base64'), { N: account.N, r: account.r, p: account.p });
      return seen.length === expected.length && timingSafeEqual(seen, expected) ? versionOf(account) : null;
    },
    async count() {
      return (await read()).size;
    },
  };
}

/** A digest of the salted hash, not the hash itself: a session keeps it in memory. */
function versionOf(account: Account): string {
  return createHash('sha256').update(`${account.salt}:${account.hash}`).digest('base64url').slice(0, 22);
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}
