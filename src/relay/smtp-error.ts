/**
 * The one shape of an SMTP failure: nodemailer's error as plain data, the same on both sides of
 * the SMTP worker thread (errors lose their class across threads).
 */
export interface SmtpError {
  /** nodemailer's code (ECONNECTION, EAUTH, EENVELOPE, ...), or ours (EWORKER, ECLOSED, ECONFIG). */
  code?: string | undefined;
  /** The cause's own code when nodemailer wrapped it (ECONNREFUSED under ESOCKET, an AM_OAUTH2_* under EAUTH). */
  originalCode?: string | undefined;
  responseCode?: number | undefined;
  /** The server's reply line, when there was one. */
  response?: string | undefined;
  /** The SMTP command in flight (CONN for the greeting, EHLO, STARTTLS, MAIL FROM, RCPT TO, DATA, ...). */
  command?: string | undefined;
  message: string;
}

/** Any thrown value as an SmtpError (what the worker sends and the test email reads). */
export function toSmtpError(err: unknown): SmtpError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<SmtpError>;
  const data: SmtpError = { message: typeof e.message === 'string' ? e.message : String(err) };
  if (typeof e.code === 'string') data.code = e.code;
  if (typeof e.originalCode === 'string') data.originalCode = e.originalCode;
  if (typeof e.responseCode === 'number') data.responseCode = e.responseCode;
  if (typeof e.response === 'string') data.response = e.response;
  if (typeof e.command === 'string') data.command = e.command;
  return data;
}
