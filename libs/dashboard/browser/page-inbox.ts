// The alert inbox: filters (kept in the route), client-side sorting of what is loaded, cursor
// paging, and a live refresh that reloads what is shown without touching the filters.
import { rulesById } from './api.js';
import { ALERT_STATUSES, inboxQueryString, parseInboxQuery, SECTORS, SEVERITIES, SORT_KEYS, sortAlerts, type InboxQuery, type SortKey } from './alerts-logic.js';
import { fill, formText, h, loading, on, severityBadge, showError, statusBadge, timeCell } from './dom.js';
import { lang, ruleTitle, sectorLabel, severityLabel, statusLabel, t, type MessageKey } from './i18n.js';
import { go, type PageContext } from './page.js';
import type { AlertView, RuleView } from './types.js';

const PAGE_SIZE = 50;
const REFRESH_MS = 10_000;
/** The API's largest page: a refresh reloads what is shown in as few requests as it can. */
const MAX_LIMIT = 200;

const SORT_LABELS: Readonly<Record<SortKey, MessageKey>> = { last_seen: 'sortLastSeen', severity: 'sortSeverity', due: 'sortDue' };

function select(name: string, label: string, value: string, options: readonly (readonly [string, string])[]): HTMLElement {
  const control = h('select', { id: `filter-${name}`, name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

function isOverdue(alert: AlertView): boolean {
  return alert.due_at !== null && alert.status !== 'resolved' && Date.parse(alert.due_at) < Date.now();
}

function alertRow(alert: AlertView): HTMLElement {
  return h(
    'tr',
    { 'data-alert-id': alert.id, class: `row-${alert.status}` },
    h('td', null, severityBadge(alert.severity)),
    h(
      'td',
      { class: 'rule-cell' },
      h('a', { href: `#/alerts/${encodeURIComponent(alert.id)}`, class: 'alert-link' }, h('span', { class: 'rule-id' }, alert.rule_id), ' ', ruleTitle(alert.rule_id, alert.title)),
    ),
    h('td', null, h('code', null, alert.model_id)),
    h('td', null, sectorLabel(alert.sector)),
    h('td', null, statusBadge(alert.status)),
    h('td', { class: 'num' }, alert.occurrence_count),
    h('td', null, timeCell(alert.last_seen_at)),
    h('td', { class: isOverdue(alert) ? 'overdue' : null }, timeCell(alert.due_at)),
    h('td', null, alert.assignee ?? h('span', { class: 'muted' }, t('unassigned'))),
  );
}

export async function renderInbox(ctx: PageContext): Promise<void> {
  const q = parseInboxQuery(ctx.query);
  const filter = { status: q.status, severity: q.severity, sector: q.sector, model: q.model, rule: q.rule };
  fill(ctx.view, loading());
  const [rules, first] = await Promise.all([rulesById(ctx.api).catch((): ReadonlyMap<string, RuleView> => new Map()), ctx.api.alerts(filter, PAGE_SIZE)]);
  if (!ctx.isCurrent()) return;

  let items: AlertView[] = first.items;
  let cursor: string | null = first.next_cursor;

  const navigate = (next: InboxQuery) => go(`#/alerts${inboxQueryString(next)}`);
  const any: readonly [string, string] = ['', t('any')];
  const ruleOptions = [...rules.values()]
    .sort((a, b) => a.rule_id.localeCompare(b.rule_id, 'en', { numeric: true }))
    .map((r): readonly [string, string] => [r.rule_id, `${r.rule_id} — ${ruleTitle(r.rule_id, r.title)}`]);
  if (q.rule !== '' && !rules.has(q.rule)) ruleOptions.push([q.rule, q.rule]);

  const modelInput = h('input', { id: 'filter-model', name: 'model', type: 'text', value: q.model, placeholder: t('modelPlaceholder'), autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': t('filters') },
    select('status', t('status'), q.status, [any, ...ALERT_STATUSES.map((s): readonly [string, string] => [s, statusLabel(s)])]),
    select('severity', t('severity'), q.severity, [any, ...[...SEVERITIES].reverse().map((s): readonly [string, string] => [s, severityLabel(s)])]),
    select('sector', t('sector'), q.sector, [any, ...SECTORS.map((s): readonly [string, string] => [s, sectorLabel(s)])]),
    select('rule', t('rule'), q.rule, [any, ...ruleOptions]),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('model')), modelInput),
    select('sort', t('sortBy'), q.sort, SORT_KEYS.map((k): readonly [string, string] => [k, t(SORT_LABELS[k])])),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', class: 'button' }, t('apply')), h('a', { href: '#/alerts', class: 'button-link' }, t('clearFilters'))),
  );
  const read = (): InboxQuery => {
    const data = new FormData(form);
    const value = (name: string) => formText(data, name);
    return parseInboxQuery(new URLSearchParams({ status: value('status'), severity: value('severity'), sector: value('sector'), rule: value('rule'), model: value('model'), sort: value('sort') }));
  };
  on(form, 'submit', (event) => {
    event.preventDefault();
    navigate(read());
  });
  // A choice in a list applies at once; the model field on Enter or "Apply".
  for (const control of form.querySelectorAll('select')) on(control, 'change', () => navigate(read()));

  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'alerts-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        [t('severity'), t('rule'), t('model'), t('sector'), t('status'), t('occurrences'), t('lastSeen'), t('due'), t('assignee')].map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    tbody,
  );
  const empty = h('p', { class: 'empty' }, t('noAlerts'));
  const more = h('button', { type: 'button', class: 'button secondary', id: 'load-more' }, t('loadMore'));
  const count = h('span', { class: 'muted' });
  const live = h('p', { class: 'live muted', role: 'status', 'aria-live': 'polite' });

  const draw = () => {
    tbody.replaceChildren(...sortAlerts(items, q.sort).map(alertRow));
    table.hidden = items.length === 0;
    empty.hidden = items.length > 0;
    more.hidden = cursor === null;
    count.textContent = t('shownCount', { count: items.length });
  };
  const stamp = () => {
    live.textContent = t('liveUpdated', { time: new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', { timeStyle: 'medium' }).format(new Date()) });
  };

  on(more, 'click', async () => {
    if (cursor === null) return;
    more.setAttribute('disabled', '');
    try {
      const page = await ctx.api.alerts(filter, PAGE_SIZE, cursor);
      if (!ctx.isCurrent()) return;
      const seen = new Set(items.map((a) => a.id));
      items = [...items, ...page.items.filter((a) => !seen.has(a.id))];
      cursor = page.next_cursor;
      draw();
    } finally {
      more.removeAttribute('disabled');
    }
  });

  /** Reloads as many alerts as are shown, from the top, with the same filters. */
  const refresh = async () => {
    const wanted = Math.max(PAGE_SIZE, items.length);
    const fresh: AlertView[] = [];
    let next: string | null | undefined;
    do {
      const page = await ctx.api.alerts(filter, Math.min(MAX_LIMIT, wanted - fresh.length), next ?? undefined);
      fresh.push(...page.items);
      next = page.next_cursor;
    } while (next !== null && fresh.length < wanted);
    if (!ctx.isCurrent()) return;
    items = fresh;
    cursor = next;
    draw();
    stamp();
  };
  let refreshing = false;
  const timer = window.setInterval(() => {
    if (document.hidden) {
      live.textContent = t('livePaused');
      return;
    }
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch(showError)
      .finally(() => {
        refreshing = false;
      });
  }, REFRESH_MS);
  ctx.onLeave(() => window.clearInterval(timer));

  draw();
  stamp();
  fill(
    ctx.view,
    h('div', { class: 'page-head' }, h('h1', null, t('navInbox')), count),
    form,
    live,
    h('div', { class: 'table-wrap' }, table),
    empty,
    h('div', { class: 'more' }, more),
  );
}
