/**
 * Sorts an SMTP failure into the few classes an operator acts on differently: the server cannot
 * be reached (connect), the STARTTLS handshake or certificate failed (tls), the credentials were
 * refused (auth), or the server answered a command with a temporary (4xx) or permanent (5xx)
 * refusal. Reads the same nodemailer error codes as describeSmtpError.
 */
export const SMTP_FAILURE_CLASSES = ['connect', 'tls', 'auth', '4xx', '5xx', 'other'] as const;
export type SmtpFailureClass = (typeof SMTP_FAILURE_CLASSES)[number];

export function smtpFailureClass(err: unknown): SmtpFailureClass {
  const e = err as { code?: string; responseCode?: number; message?: string };
  switch (e.code) {
    case 'ETLS':
      return 'tls';
    case 'EAUTH':
      return 'auth';
    case 'ECONNECTION':
    case 'ESOCKET':
      // nodemailer reports a refused or failed STARTTLS as a connection error (requireTLS).
      if (/STARTTLS|TLS|certificate/i.test(e.message ?? '')) return 'tls';
      return 'connect';
    case 'ETIMEDOUT':
    case 'EDNS':
      return 'connect';
    default:
      break;
  }
  // A 421 greeting or reply (server shutting down, busy) is an answer: a temporary refusal.
  const code = e.responseCode ?? 0;
  if (code >= 400 && code < 500) return '4xx';
  if (code >= 500 && code < 600) return '5xx';
  return 'other';
}
