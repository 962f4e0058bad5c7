#!/usr/bin/env node
// Generates TypeScript types for proto/*.proto into src/generated (or the folder given as the
// first argument, which the test that keeps them in step uses). Flags must match src/util/proto.ts.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = process.argv[2] ?? `${root}src/generated`;
rmSync(outDir, { recursive: true, force: true });
const protos = readdirSync(`${root}proto`).filter((f) => f.endsWith('.proto')).map((f) => `proto/${f}`);
execFileSync(
  `${root}node_modules/.bin/proto-loader-gen-types`,
  ['--longs=String', '--enums=String', '--defaults', '--oneofs', '--keepCase', '--importFileExtension=.js',
    '--grpcLib=@grpc/grpc-js', `--outDir=${outDir}`, ...protos],
  { cwd: root, stdio: 'inherit' },
);
