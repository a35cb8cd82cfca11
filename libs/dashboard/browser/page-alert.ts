// One alert: every field, the rule behind it (source, thresholds in force against the defaults),
// the evidence, the history timeline, the notifications, and the actions a risk officer takes.
import { rulesById, type AlertActionName } from './api.js';
import { argumentRows, occurrenceBars, summariseHistory, type TimelineEntry } from './alerts-logic.js';
import { fill, h, InputError, loading, on, severityBadge, showError, showNotice, statusBadge, timeCell, type Child } from './dom.js';
import { formatTime, historyLabel, lang, moduleLabel, ruleTitle, sectorLabel, severityLabel, statusLabel, t, type MessageKey } from './i18n.js';
import type { PageContext } from './page.js';
import type { AlertDetail, HistoryEntry, JsonValue, NotificationView, OccurrencesView, RuleView } from './types.js';

function json(value: JsonValue | undefined): string {
  return value === undefined ? '—' : JSON.stringify(value);
}

function field(label: string, ...value: Child[]): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, ...value)];
}

function section(title: string, id: string, ...content: (Child | readonly Child[])[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': `${id}-title`, id }, h('h2', { id: `${id}-title` }, title), ...content);
}

function detailsSection(alert: AlertDetail): HTMLElement {
  return section(
    t('details'),
    'alert-details',
    h(
      'dl',
      { class: 'fields' },
      ...field(t('status'), statusBadge(alert.status)),
      ...field(t('severity'), severityBadge(alert.severity)),
      ...field(t('model'), h('a', { href: `#/alerts?model=${encodeURIComponent(alert.model_id)}` }, h('code', null, alert.model_id))),
      ...field(t('sector'), sectorLabel(alert.sector)),
      ...field(t('module'), moduleLabel(alert.module_id)),
      ...field(t('scope'), h('code', null, alert.scope)),
      ...field(t('occurrences'), String(alert.occurrence_count)),
      ...field(t('firstSeen'), timeCell(alert.first_seen_at)),
      ...field(t('lastSeen'), timeCell(alert.last_seen_at)),
      ...field(t('openedAt'), timeCell(alert.opened_at)),
      ...field(t('due'), timeCell(alert.due_at)),
      ...field(t('assignee'), alert.assignee ?? h('span', { class: 'muted' }, t('unassigned'))),
      ...field(t('acknowledgedAt'), timeCell(alert.acknowledged_at)),
      ...field(t('resolvedAt'), timeCell(alert.resolved_at)),
      ...field(t('clearSince'), timeCell(alert.clear_since)),
      ...field(t('silencedBy'), alert.silenced_by === null ? h('span', { class: 'muted' }, '—') : h('a', { href: '#/silences' }, h('code', null, alert.silenced_by))),
      ...field(t('escalationLevel'), String(alert.escalation_level)),
      ...field(t('notifiedAt'), timeCell(alert.notified_at)),
      ...field(t('alertId'), h('code', null, alert.id)),
      ...field(t('fingerprint'), h('code', { class: 'wrap' }, alert.fingerprint)),
    ),
  );
}

function ruleSection(alert: AlertDetail, rule: RuleView | undefined): HTMLElement {
  const rows = argumentRows(alert.args, rule?.default_args);
  const title = ruleTitle(alert.rule_id, rule?.title ?? alert.title);
  return section(
    t('ruleSection'),
    'alert-rule',
    h('p', { class: 'rule-title' }, h('span', { class: 'rule-id' }, alert.rule_id), ' ', title),
    h(
      'dl',
      { class: 'fields' },
      lang() === 'ja' && title !== (rule?.title ?? alert.title) ? field(t('englishTitle'), rule?.title ?? alert.title) : [],
      ...field(t('source'), rule?.source ?? alert.source),
      rule?.rationale ? field(t('rationale'), rule.rationale) : [],
      ...field(t('module'), moduleLabel(rule?.module_id ?? alert.module_id)),
      rule ? field(t('defaultSeverity'), severityBadge(rule.default_severity)) : [],
    ),
    h('h3', null, t('thresholds')),
    rows.length === 0
      ? h('p', { class: 'muted' }, t('noArgs'))
      : h(
          'table',
          { class: 'args-table' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('argument')), h('th', { scope: 'col' }, t('inForce')), h('th', { scope: 'col' }, t('ruleDefault')))),
          h(
            'tbody',
            null,
            rows.map((row) =>
              h(
                'tr',
                { class: row.changed ? 'changed' : null },
                h('td', null, h('code', null, row.name)),
                h('td', null, h('code', null, json(row.inForce)), row.changed ? h('span', { class: 'tag' }, t('changedFromDefault')) : null),
                h('td', null, h('code', null, json(row.ruleDefault))),
              ),
            ),
          ),
        ),
  );
}

function evidenceSection(alert: AlertDetail): HTMLElement {
  return section(
    t('evidence'),
    'alert-evidence',
    h('h3', null, t('observed')),
    h('pre', { class: 'json' }, JSON.stringify(alert.observed, null, 2)),
    h('h3', null, t('eventIds')),
    alert.evidence_event_ids.length === 0
      ? h('p', { class: 'muted' }, t('noEvidence'))
      : h('ul', { class: 'evidence' }, alert.evidence_event_ids.map((id) => h('li', null, h('code', null, id)))),
  );
}

function historyItem({ entry, repeated }: TimelineEntry<HistoryEntry>): HTMLElement {
  const who = entry.actor === 'kanshi' ? t('system') : (entry.actor_name ?? entry.actor);
  const change = entry.from_status !== null && entry.to_status !== null && entry.from_status !== entry.to_status ? `${statusLabel(entry.from_status)} → ${statusLabel(entry.to_status)}` : null;
  const details = !repeated && entry.details !== null && Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : null;
  return h(
    'li',
    { class: `event event-${entry.action}`, 'data-event': entry.action },
    h('div', { class: 'event-head' }, h('strong', null, historyLabel(entry.action)), ' ', h('span', { class: 'muted' }, t('by', { who })), ' · ', timeCell(entry.at)),
    repeated ? h('div', { class: 'event-change', 'data-repeated': String(repeated.times) }, t('repeatedTimes', { times: String(repeated.times), first: formatTime(repeated.firstAt), last: formatTime(repeated.lastAt) })) : null,
    change ? h('div', { class: 'event-change' }, change) : null,
    entry.comment !== null ? h('blockquote', { class: 'event-comment' }, entry.comment) : null,
    details ? h('div', { class: 'event-details muted' }, h('code', null, details)) : null,
  );
}

/** Changes of state, newest first; repeated firing summarised (see `summariseHistory`). */
function historySection(alert: AlertDetail): HTMLElement {
  return section(t('history'), 'alert-history', h('ol', { class: 'timeline' }, summariseHistory(alert.history).reverse().map(historyItem)));
}

/** A small bar chart of the alert's findings per day. */
function occurrencesSection(occurrences: OccurrencesView | null): HTMLElement {
  if (occurrences === null) return section(t('occurrencesOverTime'), 'alert-occurrences', loading());
  if (occurrences.items.length === 0) return section(t('occurrencesOverTime'), 'alert-occurrences', h('p', { class: 'muted' }, t('noOccurrences')));
  return section(
    t('occurrencesOverTime'),
    'alert-occurrences',
    h(
      'div',
      { class: 'occurrence-chart', role: 'img', 'aria-label': t('occurrencesOverTime') },
      occurrenceBars(occurrences.items).map((bar) => {
        const label = t('occurrenceBar', { at: formatTime(bar.at), count: String(bar.count), severity: severityLabel(bar.severity) });
        const element = h('span', { class: `occurrence-bar severity-${bar.severity}`, title: label, 'data-count': String(bar.count) });
        // Through the CSSOM: the page's CSP refuses inline style attributes.
        element.style.height = `${bar.heightPct}%`;
        return element;
      }),
    ),
  );
}

function notificationsSection(items: readonly NotificationView[] | null): HTMLElement {
  if (items === null) return section(t('notifications'), 'alert-notifications', loading());
  if (items.length === 0) return section(t('notifications'), 'alert-notifications', h('p', { class: 'muted' }, t('noNotifications')));
  return section(
    t('notifications'),
    'alert-notifications',
    h(
      'table',
      null,
      h('thead', null, h('tr', null, [t('created'), t('kind'), t('level'), t('channel'), t('status'), t('attempts'), t('delivered'), t('lastError')].map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        null,
        items.map((n) =>
          h(
            'tr',
            null,
            h('td', null, timeCell(n.created_at)),
            h('td', null, n.kind, n.repeat ? ' (repeat)' : ''),
            h('td', { class: 'num' }, n.level),
            h('td', null, n.channel.name ?? n.channel.id, n.channel.kind ? h('span', { class: 'muted' }, ` (${n.channel.kind})`) : null),
            h('td', null, h('span', { class: `badge delivery delivery-${n.status}` }, n.status)),
            h('td', { class: 'num' }, n.attempts.length),
            h('td', null, timeCell(n.delivered_at ?? n.failed_at)),
            h('td', { class: 'wrap' }, n.last_error ?? '—'),
          ),
        ),
      ),
    ),
  );
}

const DONE: Readonly<Record<AlertActionName, MessageKey>> = { ack: 'doneAck', resolve: 'doneResolve', reopen: 'doneReopen', comments: 'doneComment', assign: 'doneAssign' };

function actionsSection(alert: AlertDetail, act: (action: AlertActionName, body: { comment?: string; assignee?: string | null }) => Promise<void>): HTMLElement {
  const comment = h('textarea', { id: 'action-comment', name: 'comment', rows: 3, maxlength: 4000, placeholder: t('commentPlaceholder') });
  const assignee = h('input', { id: 'action-assignee', name: 'assignee', type: 'text', value: alert.assignee ?? '', placeholder: t('assigneePlaceholder'), maxlength: 200, autocomplete: 'off' });
  const commentText = () => comment.value.trim();
  const withComment = () => (commentText() === '' ? {} : { comment: commentText() });
  const button = (action: AlertActionName, label: string, kind: string, handler: () => Promise<void>) => {
    const element = h('button', { type: 'button', class: `button ${kind}`, 'data-action': action }, label);
    on(element, 'click', handler);
    return element;
  };
  const open = alert.status !== 'resolved';
  const buttons: HTMLElement[] = [];
  if (alert.status === 'firing' || alert.status === 'silenced') buttons.push(button('ack', t('acknowledge'), 'primary', () => act('ack', withComment())));
  if (open) buttons.push(button('resolve', t('resolve'), 'secondary', () => act('resolve', withComment())));
  if (!open) buttons.push(button('reopen', t('reopen'), 'primary', () => act('reopen', withComment())));
  buttons.push(
    button('comments', t('addComment'), 'secondary', async () => {
      if (commentText() === '') {
        comment.focus();
        throw new InputError(t('commentRequired'));
      }
      await act('comments', { comment: commentText() });
    }),
  );
  const assignButtons: HTMLElement[] = [];
  if (open) {
    assignButtons.push(
      button('assign', t('assign'), 'secondary', async () => {
        const name = assignee.value.trim();
        if (name === '') {
          assignee.focus();
          throw new InputError(t('assigneeRequired'));
        }
        await act('assign', { assignee: name, ...withComment() });
      }),
    );
    if (alert.assignee !== null) assignButtons.push(button('assign', t('unassign'), 'secondary', () => act('assign', { assignee: null, ...withComment() })));
  }
  return section(
    t('actions'),
    'alert-actions',
    h('label', { class: 'field block', for: 'action-comment' }, h('span', { class: 'field-label' }, t('comment'))),
    comment,
    h('div', { class: 'action-buttons' }, buttons),
    open ? h('label', { class: 'field block', for: 'action-assignee' }, h('span', { class: 'field-label' }, t('assignee'))) : null,
    open ? h('div', { class: 'assign-row' }, assignee, assignButtons) : null,
  );
}

/** Rules whose alerts call for a report to a regulator, which the API drafts (`GET /v1/alerts/:id/report-draft`). */
const DRAFTED_RULES: ReadonlySet<string> = new Set(['P8', 'P13', 'M7', 'M8', 'M9', 'F12']);

function draftSection(ctx: PageContext, alert: AlertDetail): HTMLElement {
  const button = h('button', { type: 'button', class: 'button secondary', id: 'draft-report', 'data-action': 'draft' }, t('draftReport'));
  on(button, 'click', () => ctx.api.download(`/v1/alerts/${encodeURIComponent(alert.id)}/report-draft?lang=${lang()}`, `kanshi-report-draft-${alert.id}.pdf`));
  return section(t('draftReport'), 'alert-draft', h('p', { class: 'muted' }, t('draftReportHint')), button);
}

export async function renderAlert(ctx: PageContext): Promise<void> {
  const id = ctx.params[0] ?? '';
  fill(ctx.view, loading());
  const [alert, rules] = await Promise.all([ctx.api.alert(id), rulesById(ctx.api).catch((): ReadonlyMap<string, RuleView> => new Map())]);
  if (!ctx.isCurrent()) return;
  let notifications: NotificationView[] | null = null;
  let occurrences: OccurrencesView | null = null;

  const draw = (current: AlertDetail) => {
    const rule = rules.get(current.rule_id);
    const act = async (action: AlertActionName, body: { comment?: string; assignee?: string | null }) => {
      for (const b of ctx.view.querySelectorAll<HTMLButtonElement>('button[data-action]')) b.disabled = true;
      try {
        const updated = await ctx.api.act(current.id, action, body);
        if (!ctx.isCurrent()) return;
        draw(updated);
        showNotice(t(DONE[action]));
      } finally {
        for (const b of ctx.view.querySelectorAll<HTMLButtonElement>('button[data-action]')) b.disabled = false;
      }
    };
    fill(
      ctx.view,
      h('p', null, h('a', { href: '#/alerts', class: 'back' }, t('backToInbox'))),
      h(
        'div',
        { class: 'page-head alert-head', 'data-alert-id': current.id },
        severityBadge(current.severity),
        statusBadge(current.status),
        h('h1', null, h('span', { class: 'rule-id' }, current.rule_id), ' ', ruleTitle(current.rule_id, rule?.title ?? current.title)),
      ),
      h('p', { class: 'muted summary' }, `${severityLabel(current.severity)} · ${sectorLabel(current.sector)} · `, h('code', null, current.model_id)),
      h(
        'div',
        { class: 'detail-grid' },
        // What matters first: what was observed and how often, then what was done; the rule after.
        h(
          'div',
          { class: 'detail-main' },
          ctx.identity.canAct ? actionsSection(current, act) : null,
          ctx.identity.canAct && DRAFTED_RULES.has(current.rule_id) ? draftSection(ctx, current) : null,
          evidenceSection(current),
          occurrencesSection(occurrences),
          historySection(current),
          ruleSection(current, rule),
        ),
        h('div', { class: 'detail-side' }, detailsSection(current), notificationsSection(notifications)),
      ),
    );
  };
  draw(alert);
  const [notified, counted] = await Promise.allSettled([ctx.api.notificationsOf(id), ctx.api.occurrencesOf(id, 'day')]);
  notifications = notified.status === 'fulfilled' ? notified.value.items : [];
  occurrences = counted.status === 'fulfilled' ? counted.value : { bucket: 'day', items: [] };
  for (const outcome of [notified, counted]) if (outcome.status === 'rejected') showError(outcome.reason);
  if (!ctx.isCurrent()) return;
  ctx.view.querySelector('#alert-notifications')?.replaceWith(notificationsSection(notifications));
  ctx.view.querySelector('#alert-occurrences')?.replaceWith(occurrencesSection(occurrences));
}
