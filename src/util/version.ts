import { createRequire } from 'node:module';

/** This package's version (package.json), shown by `--version`, `status` and the ready log line. */
export const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
