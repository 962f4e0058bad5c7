/**
 * Loads the project's .proto files once, with fixed loader options that match the generated
 * types in src/generated (see `npm run gen:proto`).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/** Must match the flags of `npm run gen:proto`. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function loadProto<T>(fileName: string): T {
  const definition = protoLoader.loadSync(`${PROTO_DIR}${fileName}`, LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition) as unknown as T;
}
