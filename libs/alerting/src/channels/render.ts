import { isSeverity, severityRank } from '@kanshi/contracts';
import type { AlertSummary, NotificationKind, NotificationMessage, SilenceSummary } from './notification-message';

// Pure rendering of a notification for each channel. Every channel says the same things: what
// fired, on which model, why (observed value against the thresholds in force), under which law
// or guideline, by when it must be handled, and where to open it.

/** The `type` of a webhook body. Receivers switch on it: never rename. */
export const WEBHOOK_EVENT_TYPE = 'kanshi.notification';

/** The JSON a webhook receives; `id` is the idempotency key (a retry sends the same id). */
export function webhookBody(message: NotificationMessage): string {
  return JSON.stringify({
    type: WEBHOOK_EVENT_TYPE,
    version: 1,
    id: message.id,
    tenant_id: message.tenant_id,
    kind: message.kind,
    level: message.level,
    created_at: message.created_at,
    alerts: message.alerts,
    silence: message.silence,
  });
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for Slack: only `&`, `<` and `>` are control characters there. */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const KIND_TITLES: Readonly<Record<NotificationKind, string>> = {
  firing: 'Alert firing',
  escalation: 'Alert escalated',
  reminder: 'Deadline approaching',
  deadline_missed: 'Deadline missed',
  silence_expiring: 'Silence ending',
};

/** The time in UTC and in Japan time, which is where most readers act on it. */
export function formatTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const utc = date.toISOString();
  const jst = new Date(date.getTime() + 9 * 3600_000).toISOString();
  const jstDay = jst.slice(0, 10) === utc.slice(0, 10) ? '' : `${jst.slice(0, 10)} `;
  return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC (${jstDay}${jst.slice(11, 16)} JST)`;
}

const MAX_VALUE_LENGTH = 500;

function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null || value === undefined) text = 'none';
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? `(${typeof value})`;
    } catch {
      text = '(not displayable)';
    }
  }
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}

function formatArgs(args: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(args);
  if (entries.length === 0) return 'none (the rule has no arguments)';
  return entries.map(([key, value]) => `${key} = ${formatValue(value)}`).join(', ');
}

function formatMatchers(matchers: Readonly<Record<string, readonly string[]>>): string {
  const entries = Object.entries(matchers);
  if (entries.length === 0) return 'everything';
  return entries.map(([key, values]) => `${key} = ${values.join(' | ')}`).join('; ');
}

function severityLabel(severity: string): string {
  return severity.toUpperCase();
}

function highestSeverity(alerts: readonly AlertSummary[]): string {
  let best: string | null = null;
  let bestRank = -2;
  for (const alert of alerts) {
    const rank = isSeverity(alert.severity) ? severityRank(alert.severity) : -1;
    if (rank > bestRank) {
      best = alert.severity;
      bestRank = rank;
    }
  }
  return severityLabel(best ?? 'unknown');
}

function alertHeadline(alert: AlertSummary): string {
  return `${severityLabel(alert.severity)} ${alert.rule_id} ${alert.title}`;
}

function modelPart(alerts: readonly AlertSummary[]): string {
  const models = [...new Set(alerts.map((a) => a.model_id))];
  return models.length === 1 ? `model ${models[0] ?? ''}` : `${models.length} models`;
}

function oneLine(value: string, max: number): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function subjectPrefix(message: NotificationMessage): string {
  switch (message.kind) {
    case 'firing':
      return message.alerts.length > 0 && message.alerts.every((a) => a.repeat) ? 'Still firing: ' : '';
    case 'escalation':
      return `Escalation L${message.level}: `;
    case 'reminder':
      return 'Reminder: ';
    case 'deadline_missed':
      return 'Deadline missed: ';
    case 'silence_expiring':
      return 'Silence ending: ';
  }
}

/** E.g. `[Kanshi] HIGH F3 Drift beyond threshold — model credit-v3`. */
export function subjectOf(message: NotificationMessage): string {
  const { alerts, silence } = message;
  let subject: string;
  if (message.kind === 'silence_expiring' && silence) {
    subject = `[Kanshi] Silence ending ${formatTime(silence.ends_at)} — ${silence.reason}`;
  } else if (alerts.length === 0) {
    subject = `[Kanshi] ${KIND_TITLES[message.kind]}`;
  } else if (alerts.length === 1 && alerts[0]) {
    subject = `[Kanshi] ${subjectPrefix(message)}${alertHeadline(alerts[0])} — ${modelPart(alerts)}`;
  } else {
    subject = `[Kanshi] ${subjectPrefix(message)}${alerts.length} alerts (highest ${highestSeverity(alerts)}) — ${modelPart(alerts)}`;
  }
  // Values come from tenants' data: a line break must never start a new header.
  return oneLine(subject, 200);
}

function these(count: number): string {
  return count === 1 ? 'this alert' : `these ${count} alerts`;
}

function earliestDue(alerts: readonly AlertSummary[]): string | null {
  const dues = alerts.map((a) => a.due_at).filter((d): d is string => d !== null);
  dues.sort((a, b) => new Date(a).getTime() - new Date(b).getTime());
  return dues[0] ?? null;
}

/** The opening sentence: why this notification goes out now. */
export function leadOf(message: NotificationMessage): string {
  const n = message.alerts.length;
  switch (message.kind) {
    case 'firing': {
      const repeated = message.alerts.filter((a) => a.repeat).length;
      const fresh = n - repeated;
      if (repeated === 0) return n === 1 ? 'A new alert is firing.' : `${n} new alerts are firing.`;
      if (fresh === 0) return n === 1 ? 'An alert notified before is still firing.' : `${n} alerts notified before are still firing.`;
      return `${fresh} new ${fresh === 1 ? 'alert is' : 'alerts are'} firing, and ${repeated} notified before ${repeated === 1 ? 'is' : 'are'} still firing.`;
    }
    case 'escalation':
      return `Escalated to level ${message.level}: ${these(n)} ${n === 1 ? 'was' : 'were'} not acknowledged in time.`;
    case 'reminder': {
      const due = earliestDue(message.alerts);
      return `Reminder: the deadline of ${these(n)} is approaching${due ? ` (the earliest is due ${formatTime(due)})` : ''}.`;
    }
    case 'deadline_missed':
      return `The deadline of ${these(n)} has passed and ${n === 1 ? 'it is' : 'they are'} not resolved.`;
    case 'silence_expiring':
      return message.silence
        ? `Silence ${message.silence.id} ends ${formatTime(message.silence.ends_at)}; the alerts it holds back will notify again after that.`
        : 'A silence is about to end; the alerts it holds back will notify again after that.';
  }
}

interface Field {
  readonly label: string;
  readonly value: string;
}

function alertFields(alert: AlertSummary): Field[] {
  const status = [alert.status, alert.assignee ? `assigned to ${alert.assignee}` : 'unassigned'];
  if (alert.escalation_level > 0) status.push(`escalation level ${alert.escalation_level}`);
  return [
    { label: 'Rule', value: `${alert.rule_id} — ${alert.title}` },
    { label: 'Severity', value: severityLabel(alert.severity) },
    { label: 'Model', value: alert.model_id },
    { label: 'Scope', value: alert.scope },
    { label: 'Sector', value: alert.sector },
    { label: 'Observed', value: formatValue(alert.observed) },
    { label: 'Thresholds in force', value: formatArgs(alert.args) },
    { label: 'Source', value: alert.source },
    { label: 'Due', value: alert.due_at ? formatTime(alert.due_at) : 'no deadline' },
    { label: 'First seen', value: formatTime(alert.first_seen_at) },
    { label: 'Last seen', value: formatTime(alert.last_seen_at) },
    { label: 'Occurrences', value: String(alert.occurrence_count) },
    { label: 'Status', value: status.join(', ') },
  ];
}

function silenceFields(silence: SilenceSummary): Field[] {
  return [
    { label: 'Silence', value: silence.id },
    { label: 'Reason', value: silence.reason },
    { label: 'Matchers', value: formatMatchers(silence.matchers) },
    { label: 'Ends', value: formatTime(silence.ends_at) },
    { label: 'Created by', value: silence.created_by },
  ];
}

/** Only web links become clickable: a `javascript:` URL in data must never be one. */
function safeHref(url: string): string | null {
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}

const ACTION = 'Open each alert in Kanshi to acknowledge, assign or resolve it.';

function footer(message: NotificationMessage): string {
  return `Notification ${message.id} for tenant ${message.tenant_id}, created ${formatTime(message.created_at)}. A resend carries the same id.`;
}

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The email a risk officer acts on: every alert with its model, reason, source, deadline and link. */
export function emailContent(message: NotificationMessage): EmailContent {
  return { subject: subjectOf(message), text: emailText(message), html: emailHtml(message) };
}

function textFields(fields: readonly Field[]): string[] {
  return fields.map((f) => `   ${`${f.label}:`.padEnd(21)}${oneLine(f.value, 2000)}`);
}

function emailText(message: NotificationMessage): string {
  const lines = [leadOf(message)];
  if (message.alerts.length > 0) lines.push(ACTION);
  message.alerts.forEach((alert, i) => {
    lines.push('', `${i + 1}. ${alertHeadline(alert)}${alert.repeat ? ' (notified before)' : ''}`);
    lines.push(...textFields(alertFields(alert)), `   ${'Open:'.padEnd(21)}${alert.url}`);
  });
  if (message.silence) lines.push('', 'Silence', ...textFields(silenceFields(message.silence)));
  lines.push('', '-- ', footer(message));
  return `${lines.join('\n')}\n`;
}

const CELL = 'padding:2px 12px 2px 0;vertical-align:top;text-align:left';

function htmlTable(fields: readonly Field[]): string {
  const rows = fields.map(
    (f) => `<tr><th style="${CELL};font-weight:600;white-space:nowrap">${escapeHtml(f.label)}</th><td style="${CELL}">${escapeHtml(f.value)}</td></tr>`,
  );
  return `<table style="border-collapse:collapse;font-size:14px">${rows.join('')}</table>`;
}

function htmlLink(url: string, label: string): string {
  const href = safeHref(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>` : `${escapeHtml(label)}: ${escapeHtml(url)}`;
}

function emailHtml(message: NotificationMessage): string {
  const parts = [`<p style="font-size:15px">${escapeHtml(leadOf(message))}</p>`];
  if (message.alerts.length > 0) parts.push(`<p>${escapeHtml(ACTION)}</p>`);
  for (const alert of message.alerts) {
    const repeat = alert.repeat ? ' <small>(notified before)</small>' : '';
    parts.push(
      `<h2 style="font-size:16px;margin:20px 0 6px">${escapeHtml(alertHeadline(alert))}${repeat}</h2>`,
      htmlTable(alertFields(alert)),
      `<p>${htmlLink(alert.url, 'Open the alert in Kanshi')}<br><small>${escapeHtml(alert.url)}</small></p>`,
    );
  }
  if (message.silence) parts.push('<h2 style="font-size:16px;margin:20px 0 6px">Silence</h2>', htmlTable(silenceFields(message.silence)));
  parts.push(`<hr><p style="color:#666;font-size:12px">${escapeHtml(footer(message))}</p>`);
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subjectOf(message))}</title></head>`,
    `<body style="font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222">${parts.join('\n')}</body></html>`,
  ].join('\n');
}

/** A Slack text object. */
export interface SlackText {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
}

/** The Block Kit blocks this renderer uses. */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | { readonly type: 'divider' };

/** A Slack incoming-webhook payload: `text` is the fallback shown in notifications. */
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

// Slack accepts at most 50 blocks and 3000 characters in a section.
const SLACK_MAX_ALERTS = 20;
const SLACK_SECTION_LIMIT = 3000;

function slackLink(url: string, label: string): string {
  const href = safeHref(url);
  // `|` would end the URL part of the link early.
  return href ? `<${escapeSlack(href).replace(/\|/g, '%7C')}|${escapeSlack(label)}>` : escapeSlack(label);
}

function slackSection(markdown: string): SlackBlock {
  const text = markdown.length > SLACK_SECTION_LIMIT ? `${markdown.slice(0, SLACK_SECTION_LIMIT - 1)}…` : markdown;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function slackAlert(alert: AlertSummary): SlackBlock {
  const e = (value: string): string => escapeSlack(oneLine(value, 600));
  const lines = [
    `*${slackLink(alert.url, alertHeadline(alert))}*${alert.repeat ? ' _(notified before)_' : ''}`,
    `*Model:* ${e(alert.model_id)} (scope ${e(alert.scope)}, sector ${e(alert.sector)})`,
    `*Observed:* ${e(formatValue(alert.observed))}`,
    `*Thresholds in force:* ${e(formatArgs(alert.args))}`,
    `*Source:* ${e(alert.source)}`,
    `*Due:* ${e(alert.due_at ? formatTime(alert.due_at) : 'no deadline')}`,
    `*First seen:* ${e(formatTime(alert.first_seen_at))} · *Last seen:* ${e(formatTime(alert.last_seen_at))} · *Occurrences:* ${alert.occurrence_count}`,
    `*Status:* ${e(alert.status)}${alert.assignee ? `, assigned to ${e(alert.assignee)}` : ', unassigned'}`,
  ];
  return slackSection(lines.join('\n'));
}

/** The Slack incoming-webhook payload: a header, the lead, then one section per alert. */
export function slackPayload(message: NotificationMessage): SlackPayload {
  // The header is plain text built from fixed words only, so it needs no escaping.
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Kanshi: ${KIND_TITLES[message.kind]}` } },
    slackSection(escapeSlack(leadOf(message))),
  ];
  const shown = message.alerts.slice(0, SLACK_MAX_ALERTS);
  for (const alert of shown) blocks.push({ type: 'divider' }, slackAlert(alert));
  const hidden = message.alerts.length - shown.length;
  if (hidden > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${hidden} more alerts: open Kanshi to see them all.` }] });
  if (message.silence) {
    const lines = silenceFields(message.silence).map((f) => `*${f.label}:* ${escapeSlack(oneLine(f.value, 600))}`);
    blocks.push({ type: 'divider' }, slackSection(lines.join('\n')));
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(footer(message)) }] });
  return { text: escapeSlack(subjectOf(message)), blocks };
}
