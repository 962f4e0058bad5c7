/**
 * The config file's man page appliance-mail.json(5) (docs/man/appliance-mail.json.5), from the
 * settings catalog the schema declares (src/config/catalog.ts), as docs/reference/config.md is.
 */
import { settingsCatalog } from '../../dist/config/catalog.js';
import { manHeader, roff } from './lib/roff.mjs';

function describe(entry) {
  const facts = [
    `Type: ${entry.type}.`,
    entry.required ? 'Required.' : `Default: ${entry.defaultText}.`,
    entry.apply === 'restart' ? 'Read at start only (restart to change).' : 'Applied live when the file changes.',
    entry.federated ? 'Federated: a centralized secondary takes it from its primary.' : null,
    entry.secret ? 'Secret: never shown in status, logs, pages or errors.' : null,
  ].filter(Boolean);
  return [roff(`${entry.label}. ${entry.help}`), '.br', roff(facts.join(' '))];
}

export async function outputs() {
  const entries = settingsCatalog();
  const sections = [...new Set(entries.map((e) => e.path.split('.')[0]))];
  const lines = [
    ...manHeader('appliance-mail.json', 5, 'File Formats', 'scripts/docs/config-man.mjs from src/config/ (settingsCatalog)'),
    '.SH NAME',
    'appliance-mail.json \\- the config file of appliance-mail',
    '.SH SYNOPSIS',
    '.I /etc/appliance-mail/config.json',
    '.SH DESCRIPTION',
    roff('One JSON object, the operator\'s intent. The daemon, appliance-mail(8), reads it at start and follows its changes (live reload): a valid edit is applied whole, an invalid one is refused whole and the last good config stays. An unknown key is an error. Relative paths resolve against the folder of the config file. The file may hold the SMTP password: keep it mode 0600, owned by the daemon\'s user. Editors can check it against config/appliance-mail.schema.json (a "$schema" key naming it is ignored by the daemon).'),
  ];
  for (const section of sections) {
    lines.push(`.SH ${roff(section.toUpperCase())}`);
    for (const entry of entries.filter((e) => e.path.split('.')[0] === section)) {
      lines.push('.TP', `.B ${roff(entry.path)}`, ...describe(entry));
    }
  }
  lines.push('.SH FILES', '.TP', '.I /etc/appliance-mail/config.json', roff('The default path; appliance-mail --config PATH or $APPLIANCE_MAIL_CONFIG choose another.'), '.SH SEE ALSO', '.BR appliance-mail (8)');
  return [{ path: 'docs/man/appliance-mail.json.5', content: `${lines.join('\n')}\n` }];
}
