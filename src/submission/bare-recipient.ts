/**
 * `RCPT TO:<root>`: cron, smartd and mdadm address mail to a bare local name, and Postfix takes
 * it. smtp-server refuses any recipient without a domain (but postmaster) with 501 before the
 * port's onRcptTo hook can see it, and has no option for it; its connection class is exported
 * (`smtp-server/lib/smtp-connection.js`), so the one parser step is wrapped here: a bare local
 * name is read as `name@localhost`, which the port's intake sends to the administrators like the
 * bare name (raw-intake.ts). Nothing else of the parse changes. Applied once per process; the
 * submission port is the daemon's only SMTP server.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { LOCAL_NAME } from '../config/schema.js';

let applied = false;

export function acceptBareLocalRecipients(): void {
  if (applied) return;
  applied = true;
  const parse = SMTPConnection.prototype._parseAddressCommand;
  // An smtp-server that no longer has this step fails the start, not every cron mail later (host-mail.test.ts covers it).
  if (typeof parse !== 'function') throw new Error('smtp-server has no _parseAddressCommand: bare local recipients (RCPT TO:<root>) cannot be read; see src/submission/bare-recipient.ts');
  SMTPConnection.prototype._parseAddressCommand = function (this: SMTPConnection, name: string, command: Buffer | string) {
    const text = command.toString();
    const bare = /^(RCPT TO:\s*<)([^<>@\s]+)(>.*)$/is.exec(text);
    const local = bare !== null && LOCAL_NAME.test(bare[2]!) && bare[2]!.toLowerCase() !== 'postmaster';
    return parse.call(this, name, local ? `${bare[1]}${bare[2]}@localhost${bare[3]}` : command);
  };
}
