/**
 * Appliance notifications: update available / completed / failed, external backup done / failed.
 * Each becomes one mail to notifications.recipients saying what happened, when, and what to do.
 */
import { AppError } from '../errors/registry.js';
import { localTime } from '../util/time-format.js';
import { html } from '../html/template.js';
import { layout, oneLine, type Tone } from './mail-layout.js';

export const APPLIANCE_EVENTS = ['update-available', 'update-completed', 'update-error', 'backup-external', 'backup-error'] as const;
export type ApplianceEvent = (typeof APPLIANCE_EVENTS)[number];

interface EventText {
  title: string;
  tone: Tone;
  /** One sentence: what happened. */
  what: (facts: { node: string; version: string | null }) => string;
  /** What the reader should do next; `details` says whether the mail carries the reporter's details. */
  next: (details: boolean) => string;
  /** A software version belongs to update events; a backup has none, and refuses one. */
  takesVersion: boolean;
}

const EVENTS: Record<ApplianceEvent, EventText> = {
  'update-available': {
    title: 'Update available',
    tone: 'info',
    what: ({ node, version }) => `A software update${version ? ` (version ${version})` : ''} is available for ${node}.`,
    next: () => 'Plan the update in a maintenance window: monitoring on this Appliance pauses while it installs. Back up first if the last backup is old.',
    takesVersion: true,
  },
  'update-completed': {
    title: 'Update completed',
    tone: 'success',
    what: ({ node, version }) => `${node} was updated${version ? ` to version ${version}` : ''} and is running again.`,
    next: () => 'Nothing to do. Check the dashboards of this Appliance once to confirm that data is flowing.',
    takesVersion: true,
  },
  'update-error': {
    title: 'Update failed',
    tone: 'error',
    what: ({ node, version }) => `The update of ${node}${version ? ` to version ${version}` : ''} failed.`,
    next: (details) =>
      `The Appliance keeps running its previous version. ${details ? 'Read the details above' : "Read the Appliance's update log"}, fix the cause (disk space, network access to the update server), then start the update again. Contact support with ${details ? 'these details' : 'that log'} if it fails again.`,
    takesVersion: true,
  },
  'backup-external': {
    title: 'External backup completed',
    tone: 'success',
    what: ({ node }) => `A backup of ${node} was written to external storage.`,
    next: () => 'Nothing to do. Keep at least one recent backup outside the Appliance.',
    takesVersion: false,
  },
  'backup-error': {
    title: 'Backup failed',
    tone: 'error',
    what: ({ node }) => `The backup of ${node} failed; no new backup was written.`,
    next: (details) =>
      `${details ? 'Read the details above' : "Read the Appliance's backup log"}, fix the cause (storage reachable? credentials? free space?), then run the backup again. Until then, the last good backup is the one you would restore.`,
    takesVersion: false,
  },
};

const MAX_VERSION_CHARS = 64;
const MAX_DETAIL_CHARS = 4000;

export interface NotificationInput {
  event: string;
  node: string;
  version: string;
  detail: string;
  at: Date;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

function isApplianceEvent(value: string): value is ApplianceEvent {
  return (APPLIANCE_EVENTS as readonly string[]).includes(value);
}

export function renderNotification(input: NotificationInput): RenderedMail {
  if (!isApplianceEvent(input.event)) {
    throw new AppError('AM_INVALID_ARGUMENT', `event: '${oneLine(input.event, 60)}' is not one of ${APPLIANCE_EVENTS.join(', ')}`);
  }
  if (input.version.length > MAX_VERSION_CHARS) throw new AppError('AM_INVALID_ARGUMENT', `version: longer than ${MAX_VERSION_CHARS} characters`);
  if (input.detail.length > MAX_DETAIL_CHARS) throw new AppError('AM_INVALID_ARGUMENT', `detail: longer than ${MAX_DETAIL_CHARS} characters`);
  const spec = EVENTS[input.event];
  const version = input.version.trim() === '' ? null : oneLine(input.version, MAX_VERSION_CHARS);
  if (version !== null && !spec.takesVersion) {
    throw new AppError('AM_INVALID_ARGUMENT', `version: ${input.event} takes no version (a backup has no software version); leave out --version`);
  }
  const what = spec.what({ node: input.node, version });
  const when = localTime(input.at);
  const detail = input.detail.trim();
  const next = spec.next(detail !== '');
  const subject = oneLine(`[${input.node}] ${spec.title}${version ? `: ${version}` : ''}`);

  const text = [
    what,
    '',
    `When:      ${when}`,
    `Appliance: ${input.node}`,
    ...(version ? [`Version:   ${version}`] : []),
    ...(detail ? ['', 'Details:', ...detail.split(/\r\n|\r|\n/).map((line) => `  ${line}`)] : []),
    '',
    'What to do next:',
    `  ${next}`,
    '',
    '-- ',
    `Sent by appliance-mail on ${input.node}.`,
  ].join('\n');

  const facts: Array<[string, string]> = [
    ['When', when],
    ['Appliance', input.node],
    ...(version ? [['Version', version] as [string, string]] : []),
  ];
  const body = html`<p style="margin:0 0 16px;font-size:16px">${what}</p>
<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;font-size:14px">${facts.map(
    ([key, value]) => html`<tr><td style="padding:2px 16px 2px 0;color:#6b7280">${key}</td><td style="padding:2px 0">${value}</td></tr>`,
  )}</table>
${detail ? html`<p style="margin:0 0 6px;font-weight:600">Details</p><pre style="margin:0 0 16px;padding:12px;background:#f9fafb;border:1px solid #e5e7eb;border-radius:6px;white-space:pre-wrap;font-size:13px">${detail}</pre>` : null}
<p style="margin:0 0 6px;font-weight:600">What to do next</p>
<p style="margin:0">${next}</p>`;
  return {
    subject,
    text,
    html: layout({ title: `${spec.title} — ${input.node}`, tone: spec.tone, preheader: what, body, footer: `Sent by appliance-mail on ${input.node}.` }),
  };
}
