/**
 * Field rules written once and used by every door a value comes through: the config file, the
 * settings from the primary, the state file, the federation's Join and the control API. Each
 * rule carries its message, so a value is refused in the same words wherever it arrives.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { isEmailAddress, parseHostPort, parsePortalAddress, splitRecipients } from '../util/address.js';

export const nonEmpty = z.string().min(1, 'must not be empty');

/** CR and LF end an SMTP line (a value holding one could inject a command); NUL ends a C string. */
export function hasLineBreakOrNul(value: string): boolean {
  return /[\r\n\0]/.test(value);
}

export const singleLine = nonEmpty.refine((value) => !hasLineBreakOrNul(value), { message: 'must not contain CR, LF or NUL' });

export const emailField = nonEmpty.refine(isEmailAddress, { message: 'is not a valid email address (user@example.com)' });

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** A node's name: in credentials (`NAME.SECRET`), the primary's node list and file names. */
export const nodeNameField = nonEmpty.regex(NODE_NAME, 'must be 1-63 letters, digits, dots, dashes or underscores');

/** `host:port` (IPv6 in brackets); `defaultPort` null makes the port required. */
export function hostPortField(defaultPort: number | null, options: { allowPortZero?: boolean } = {}) {
  return nonEmpty.superRefine((value, ctx) => {
    const parsed = parseHostPort(value, defaultPort, options);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });
}

export const portalAddressField = nonEmpty.refine((value) => parsePortalAddress(value) !== null, {
  message: 'must be a DNS name or IP, with optional http(s):// scheme and :port',
});

/** A CA certificate in PEM that Node can parse (the first one of a bundle is checked). */
export function isPemCertificate(value: string): boolean {
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(value)) return false;
  try {
    new X509Certificate(value);
    return true;
  } catch {
    return false;
  }
}

export const pemCertificateField = nonEmpty.refine(isPemCertificate, { message: 'is not a PEM certificate' });

/** Names every invalid address of a recipient list ("a@x.com, b@y.com" or an array of such). */
export function checkRecipients(value: string | readonly string[], ctx: z.RefinementCtx): void {
  for (const address of splitRecipients(value).invalid) {
    ctx.addIssue({ code: 'custom', message: `'${address.slice(0, 100)}' is not a valid email address` });
  }
}
