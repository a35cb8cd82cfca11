// Evidence: bundles a risk officer hands to an auditor (the ledger's entries and checkpoints, the
// public key, the report in Japanese and English, a signed manifest), made by the alert worker
// as a job. A form asks for one; the list follows each until it is done, then downloads it.
import { fill, formText, h, loading, on, showError, showNotice, timeCell } from './dom.js';
import { t, type MessageKey } from './i18n.js';
import type { PageContext } from './page.js';
import type { BundleView, JsonObject } from './types.js';

/** How often the list is read again while a bundle is queued or running. */
const POLL_MS = 2000;
const STATUS_LABELS: Readonly<Record<BundleView['status'], MessageKey>> = { queued: 'bundleQueued', running: 'bundleRunning', done: 'bundleDone', failed: 'bundleFailed' };

function progressText(b: BundleView): string {
  if (b.status === 'failed') return b.error ?? '';
  if (b.status !== 'running' || b.stage === null) return '';
  return b.progress.total > 0 ? `${b.stage} ${b.progress.done.toLocaleString()} / ${b.progress.total.toLocaleString()}` : b.stage;
}

function scopeText(b: BundleView): string {
  const period = `${b.params.from?.slice(0, 10) ?? '…'} – ${b.params.to?.slice(0, 10) ?? t('bundleNow')}`;
  return [period, b.params.model_id, b.params.sector].filter((x) => x !== null).join(' · ');
}

export async function renderEvidence(ctx: PageContext): Promise<void> {
  fill(ctx.view, loading());
  let items = (await ctx.api.evidenceBundles()).items;
  if (!ctx.isCurrent()) return;

  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'bundles-table' },
    h('thead', null, h('tr', null, [t('bundleAsked'), t('bundleScope'), t('createdBy'), t('state'), '', ''].map((label) => h('th', { scope: 'col' }, label)))),
    tbody,
  );
  const empty = h('p', { class: 'empty' }, t('noBundles'));
  const row = (b: BundleView): HTMLElement => {
    let download: HTMLElement | null = null;
    if (b.download !== null) {
      download = h('button', { type: 'button', class: 'button secondary small', 'data-action': 'download-bundle' }, t('bundleDownload'));
      const path = b.download;
      on(download, 'click', () => ctx.api.download(path, `kanshi-evidence-${b.id}.tar.gz`));
    }
    return h(
      'tr',
      { 'data-bundle-id': b.id, 'data-status': b.status },
      h('td', null, timeCell(b.created_at)),
      h('td', null, scopeText(b)),
      h('td', null, b.requested_by_name ?? b.requested_by),
      h('td', null, h('span', { class: `badge bundle-${b.status}` }, t(STATUS_LABELS[b.status]))),
      h('td', { class: 'wrap muted' }, progressText(b)),
      h('td', null, download),
    );
  };
  let timer: number | undefined;
  const draw = () => {
    tbody.replaceChildren(...items.map(row));
    table.hidden = items.length === 0;
    empty.hidden = items.length > 0;
    if (timer === undefined && items.some((b) => b.status === 'queued' || b.status === 'running')) {
      timer = window.setTimeout(() => {
        timer = undefined;
        ctx.api
          .evidenceBundles()
          .then((page) => {
            if (!ctx.isCurrent()) return;
            items = page.items;
            draw();
          })
          // Said once; the list stays as it was, and the next draw (a new bundle, a reload) polls again.
          .catch(showError);
      }, POLL_MS);
    }
  };
  ctx.onLeave(() => window.clearTimeout(timer));

  const form = h(
    'form',
    { class: 'card bundle-form', id: 'bundle-form', 'aria-labelledby': 'new-bundle-title' },
    h('h2', { id: 'new-bundle-title' }, t('newBundle')),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('bundleFrom')), h('input', { type: 'date', name: 'from', id: 'bundle-from' })),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('bundleTo')), h('input', { type: 'date', name: 'to', id: 'bundle-to' })),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('bundleModel')), h('input', { type: 'text', name: 'model_id', id: 'bundle-model', autocomplete: 'off', spellcheck: 'false' })),
    ),
    h('button', { type: 'submit', class: 'button primary', id: 'bundle-create' }, t('createBundle')),
  );
  on(form, 'submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    // A date is the user's own day: from its start, to the start of the day after `to`.
    const day = (name: string, plusDays = 0) => {
      const text = formText(data, name);
      if (text === '') return undefined;
      const d = new Date(`${text}T00:00:00`);
      d.setDate(d.getDate() + plusDays);
      return d.toISOString();
    };
    const body: JsonObject = {};
    const from = day('from');
    const to = day('to', 1);
    const model = formText(data, 'model_id');
    if (from !== undefined) body['from'] = from;
    if (to !== undefined) body['to'] = to;
    if (model !== '') body['model_id'] = model;
    const submit = form.querySelector('button[type=submit]');
    submit?.setAttribute('disabled', '');
    try {
      const bundle = await ctx.api.createEvidenceBundle(body);
      items = [bundle, ...items.filter((b) => b.id !== bundle.id)];
      draw();
      showNotice(t('bundleCreated'));
    } finally {
      submit?.removeAttribute('disabled');
    }
  });
  draw();
  fill(ctx.view, h('div', { class: 'page-head' }, h('h1', null, t('evidenceTitle'))), h('p', { class: 'muted' }, t('evidenceIntro')), form, h('div', { class: 'table-wrap' }, table), empty);
}
