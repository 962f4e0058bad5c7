/** The federation service definition (proto/federation.proto), loaded once for both sides. */
import type * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../generated/federation.js';
import type { SettingsUpdate } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { loadProto } from '../util/proto.js';

export const federationProto = loadProto<ProtoGrpcType>('federation.proto').appliance_mail.federation.v1;

const service = federationProto.Federation.service;

/** A SettingsUpdate as protobuf bytes: what the primary writes to a Watch stream. */
export function encodeSettingsUpdate(update: SettingsUpdate): Buffer {
  return service.Watch.responseSerialize(update);
}

/**
 * The service as the primary serves it: the same methods, except that Watch and Session take
 * messages already encoded (encodeSettingsUpdate) and pass the bytes through. A version is
 * encoded once and the same Buffer is written to every stream, instead of grpc-js encoding it
 * per stream.
 */
export const watchServerService: grpc.ServiceDefinition = {
  ...service,
  Watch: { ...service.Watch, responseSerialize: (encoded: Buffer) => encoded },
  Session: { ...service.Session, responseSerialize: (encoded: Buffer) => encoded },
};
