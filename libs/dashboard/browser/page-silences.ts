// Silences: every one (active, pending, expired), a form to create one and a button to end one
// now. The form and the button are only there for keys that may use them.
import { SECTORS, SEVERITIES, splitList } from './alerts-logic.js';
import { fill, formText, h, loading, on, showNotice, timeCell } from './dom.js';
import { sectorLabel, severityLabel, t, type MessageKey } from './i18n.js';
import type { PageContext } from './page.js';
import type { JsonObject, SilenceState, SilenceView } from './types.js';

const PAGE_SIZE = 50;
const STATE_LABELS: Readonly<Record<SilenceState, MessageKey>> = { active: 'stateActive', pending: 'statePending', expired: 'stateExpired' };

/** A `datetime-local` value (the user's zone) for a time `ms` from now. */
function localInputValue(ms: number): string {
  const d = new Date(Date.now() + ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function matcherList(label: string, values: readonly string[], show: (v: string) => string = (v) => v): HTMLElement {
  return h('div', { class: 'matcher' }, h('span', { class: 'muted' }, `${label}: `), values.length === 0 ? h('span', { class: 'muted' }, t('matchAny')) : values.map(show).join(', '));
}

function checkboxes(name: string, values: readonly string[], show: (v: string) => string): HTMLElement {
  return h(
    'div',
    { class: 'checks' },
    values.map((v) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v }), ' ', show(v))),
  );
}

function createForm(ctx: PageContext, created: (silence: SilenceView) => void): HTMLElement {
  const form = h(
    'form',
    { class: 'card silence-form', id: 'silence-form', 'aria-labelledby': 'new-silence-title' },
    h('h2', { id: 'new-silence-title' }, t('newSilence')),
    h('fieldset', null, h('legend', null, t('severities')), checkboxes('severities', [...SEVERITIES].reverse(), severityLabel)),
    h('fieldset', null, h('legend', null, t('sectors')), checkboxes('sectors', SECTORS, sectorLabel)),
    h('label', { class: 'field block' }, h('span', { class: 'field-label' }, t('modelIds')), h('input', { type: 'text', name: 'model_ids', id: 'silence-models', autocomplete: 'off', spellcheck: 'false' })),
    h('label', { class: 'field block' }, h('span', { class: 'field-label' }, t('ruleIds')), h('input', { type: 'text', name: 'rule_ids', id: 'silence-rules', autocomplete: 'off', spellcheck: 'false' })),
    h('label', { class: 'field block' }, h('span', { class: 'field-label' }, t('reason')), h('textarea', { name: 'reason', id: 'silence-reason', rows: 2, required: true, maxlength: 2000 })),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('startsAt')), h('input', { type: 'datetime-local', name: 'starts_at', id: 'silence-starts' }), h('span', { class: 'hint muted' }, t('startsNow'))),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('endsAt')), h('input', { type: 'datetime-local', name: 'ends_at', id: 'silence-ends', required: true, value: localInputValue(2 * 3600_000) })),
    ),
    h('button', { type: 'submit', class: 'button primary', id: 'silence-create' }, t('createSilence')),
  );
  on(form, 'submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const text = (name: string) => formText(data, name);
    // datetime-local is the user's wall-clock time; Date reads it in the browser's zone.
    const instant = (name: string) => (text(name) === '' ? undefined : new Date(text(name)).toISOString());
    const body: JsonObject = {
      matchers: {
        severities: data.getAll('severities').filter((v): v is string => typeof v === 'string'),
        sectors: data.getAll('sectors').filter((v): v is string => typeof v === 'string'),
        model_ids: splitList(text('model_ids')),
        rule_ids: splitList(text('rule_ids')).map((r) => r.toUpperCase()),
      },
      reason: text('reason'),
      ends_at: instant('ends_at') ?? '',
    };
    const startsAt = instant('starts_at');
    if (startsAt !== undefined) body['starts_at'] = startsAt;
    const submit = form.querySelector('button[type=submit]');
    submit?.setAttribute('disabled', '');
    try {
      const silence = await ctx.api.createSilence(body);
      form.reset();
      created(silence);
      showNotice(t('silenceCreated'));
    } finally {
      submit?.removeAttribute('disabled');
    }
  });
  return form;
}

export async function renderSilences(ctx: PageContext): Promise<void> {
  fill(ctx.view, loading());
  const first = await ctx.api.silences(PAGE_SIZE);
  if (!ctx.isCurrent()) return;
  let items = first.items;
  let cursor = first.next_cursor;

  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'silences-table' },
    h('thead', null, h('tr', null, [t('state'), t('matchers'), t('reason'), t('startsAt'), t('endsAt'), t('createdBy'), ctx.identity.canAct ? '' : null].filter((x) => x !== null).map((label) => h('th', { scope: 'col' }, label)))),
    tbody,
  );
  const empty = h('p', { class: 'empty' }, t('noSilences'));
  const more = h('button', { type: 'button', class: 'button secondary' }, t('loadMore'));

  const row = (s: SilenceView): HTMLElement => {
    let expire: HTMLElement | null = null;
    if (ctx.identity.canAct && s.state !== 'expired') {
      expire = h('button', { type: 'button', class: 'button secondary small', 'data-action': 'expire' }, t('expire'));
      on(expire, 'click', async () => {
        const updated = await ctx.api.expireSilence(s.id);
        items = items.map((x) => (x.id === updated.id ? updated : x));
        draw();
        showNotice(t('silenceExpired'));
      });
    }
    return h(
      'tr',
      { 'data-silence-id': s.id, class: `silence-${s.state}` },
      h('td', null, h('span', { class: `badge state state-${s.state}` }, t(STATE_LABELS[s.state]))),
      h(
        'td',
        { class: 'matchers' },
        matcherList(t('severities'), s.matchers.severities, severityLabel),
        matcherList(t('sectors'), s.matchers.sectors, sectorLabel),
        matcherList(t('models'), s.matchers.model_ids),
        matcherList(t('rule'), s.matchers.rule_ids),
      ),
      h('td', { class: 'wrap' }, s.reason),
      h('td', null, timeCell(s.starts_at)),
      h('td', null, timeCell(s.ends_at)),
      h('td', null, s.created_by_name ?? s.created_by),
      ctx.identity.canAct ? h('td', null, expire) : null,
    );
  };
  const draw = () => {
    tbody.replaceChildren(...items.map(row));
    table.hidden = items.length === 0;
    empty.hidden = items.length > 0;
    more.hidden = cursor === null;
  };
  on(more, 'click', async () => {
    if (cursor === null) return;
    const page = await ctx.api.silences(PAGE_SIZE, cursor);
    items = [...items, ...page.items];
    cursor = page.next_cursor;
    draw();
  });
  draw();
  fill(
    ctx.view,
    h('div', { class: 'page-head' }, h('h1', null, t('silencesTitle'))),
    h('p', { class: 'muted' }, t('silencesIntro')),
    ctx.identity.canAct
      ? createForm(ctx, (silence) => {
          items = [silence, ...items.filter((s) => s.id !== silence.id)];
          draw();
        })
      : null,
    h('div', { class: 'table-wrap' }, table),
    empty,
    h('div', { class: 'more' }, more),
  );
}
