/** The federation service definition (proto/federation.proto), loaded once for both sides. */
import type { ProtoGrpcType } from '../generated/federation.js';
import { loadProto } from '../util/proto.js';

export const federationProto = loadProto<ProtoGrpcType>('federation.proto').appliance_mail.federation.v1;
