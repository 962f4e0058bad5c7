/** A setting's place in the config file's JSON, by its dotted key (`mailServer.oauth2.scope`). */
import type { RawJson } from './config-file.js';

const isObject = (value: unknown): value is RawJson => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The value at `path`; undefined when it or a section on the way is absent. */
export function getAt(json: RawJson, path: string): unknown {
  let at: unknown = json;
  for (const key of path.split('.')) {
    if (!isObject(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** Sets the value at `path`, creating the sections on the way (a section the file left to defaults). */
export function setAt(json: RawJson, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = json;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key] as RawJson;
  }
  at[keys.at(-1)!] = value;
}

/** Removes the value at `path`, and the sections it leaves empty. */
export function deleteAt(json: RawJson, path: string): void {
  const keys = path.split('.');
  const trail: RawJson[] = [json];
  for (const key of keys.slice(0, -1)) {
    const next = trail.at(-1)![key];
    if (!isObject(next)) return;
    trail.push(next);
  }
  delete trail.at(-1)![keys.at(-1)!];
  for (let i = trail.length - 1; i > 0 && Object.keys(trail[i]!).length === 0; i--) delete trail[i - 1]![keys[i - 1]!];
}
