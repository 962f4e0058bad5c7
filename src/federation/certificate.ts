/**
 * The primary's TLS identity, and how a secondary checks it. A secondary trusts exactly one
 * certificate, the one whose SHA-256 the token carried, and checks it before it sends anything.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, createSecureContext, type PeerCertificate } from 'node:tls';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { generate } from 'selfsigned';
import { AppError } from '../errors/registry.js';
import { writeFileDurably } from '../util/durable-file.js';
import { describeConnectionFailure } from '../util/grpc-errors.js';

/** The name in a generated certificate; secondaries check the pinned hash, not a host name. */
const GENERATED_CN = 'appliance-mail-primary';
/** Ten years: the pin in every secondary would have to be renewed with it. */
const GENERATED_VALIDITY_DAYS = 3650;
const FETCH_TIMEOUT_MS = 5_000;
/**
 * Set on both ends, never left to Node's default: `NODE_OPTIONS=--tls-min-v1.0` (or
 * `tls.DEFAULT_MIN_VERSION`) lowers the default for the whole process.
 */
export const FEDERATION_TLS_MIN_VERSION = 'TLSv1.2';

export interface TlsIdentity {
  certPem: string;
  keyPem: string;
  sha256: string;
}

export function certificateSha256(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/**
 * Loads the configured certificate, or the one in stateDir, or makes one there (0600). `use`
 * names the files (`<use>-cert.pem`) and, with `commonName` and `altNames`, lets the Web Console
 * keep its own certificate beside the federation's.
 */
export async function loadOrCreateIdentity(options: {
  certFile: string | null;
  keyFile: string | null;
  stateDir: string;
  use?: string;
  commonName?: string;
  altNames?: Array<{ type: 2; value: string } | { type: 7; ip: string }>;
}): Promise<TlsIdentity> {
  if (options.certFile && options.keyFile) {
    const [certPem, keyPem] = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8')]);
    return { certPem, keyPem, sha256: certificateSha256(certPem) };
  }
  const use = options.use ?? 'federation';
  const commonName = options.commonName ?? GENERATED_CN;
  const certPath = join(options.stateDir, `${use}-cert.pem`);
  const keyPath = join(options.stateDir, `${use}-key.pem`);
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { certPem, keyPem, sha256: certificateSha256(certPem) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + GENERATED_VALIDITY_DAYS * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [{ name: 'subjectAltName', altNames: options.altNames ?? [{ type: 2, value: GENERATED_CN }] }],
  });
  await writeFileDurably(keyPath, pems.private);
  await writeFileDurably(certPath, pems.cert);
  return { certPem: pems.cert, keyPem: pems.private, sha256: certificateSha256(pems.cert) };
}

/**
 * Fetches the certificate a server presents, without trusting it and without sending anything
 * but a TLS handshake. The caller compares it with the pin before any secret goes out.
 */
export function fetchPeerCertificate(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      servername: GENERATED_CN,
      minVersion: FEDERATION_TLS_MIN_VERSION,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AppError('AM_PRIMARY_UNREACHABLE', `the primary ${host}:${port} did not answer within ${FETCH_TIMEOUT_MS / 1000} s`));
    }, FETCH_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert.raw) {
        reject(new AppError('AM_PRIMARY_CERT_MISMATCH', `the primary ${host}:${port} presented no certificate`));
        return;
      }
      resolve(new X509Certificate(cert.raw).toString());
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new AppError('AM_PRIMARY_UNREACHABLE', `cannot reach the primary at ${host}:${port}: ${describeConnectionFailure(err.message)}`, { cause: err }));
    });
  });
}

/**
 * Channel credentials that trust only the pinned certificate. Its hash is checked on every
 * connection; host names are not, since the pin is stronger than a name.
 */
export function pinnedCredentials(certPem: string, sha256: string): grpc.ChannelCredentials {
  // A secure context of our own, since createSsl takes no TLS version.
  const context = createSecureContext({ ca: certPem, minVersion: FEDERATION_TLS_MIN_VERSION });
  return grpc.credentials.createFromSecureContext(context, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const seen = createHash('sha256').update(cert.raw).digest('hex');
      return seen === sha256 ? undefined : new Error(`the primary's certificate ${seen} is not the pinned ${sha256}`);
    },
  });
}

/**
 * The name sent as TLS SNI to the primary. Without it gRPC would send the address it dials,
 * often an IP, which TLS does not allow (RFC 6066). Identity is checked by the pin, not by name.
 */
export const PINNED_CHANNEL_OPTIONS = { 'grpc.ssl_target_name_override': GENERATED_CN } as const;

/**
 * The primary's server credentials: grpc-js's createSsl takes no TLS version, so the options it
 * would build are given here, with the minimum set explicitly.
 */
class FederationServerCredentials extends grpc.ServerCredentials {
  constructor(identity: TlsIdentity) {
    super(
      { requestCert: false },
      { cert: [Buffer.from(identity.certPem)], key: [Buffer.from(identity.keyPem)], minVersion: FEDERATION_TLS_MIN_VERSION },
    );
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export function federationServerCredentials(identity: TlsIdentity): grpc.ServerCredentials {
  return new FederationServerCredentials(identity);
}
