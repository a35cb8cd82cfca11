// Model posture by sector: the inventory beside the open alerts of each model, counted by
// severity and rule, built from `GET /v1/models` and `GET /v1/alerts`; and, from
// `GET /v1/posture`, the rules that could not judge a model's last window for want of samples
// (left out when that call fails, so the page works on any API version).
import { buildPosture, OPEN_STATUSES, SEVERITIES, type ModelPosture, type SectorPosture, type SeverityCounts } from './alerts-logic.js';
import { fill, h, loading, timeCell } from './dom.js';
import { ruleTitle, sectorLabel, severityLabel, t } from './i18n.js';
import type { PageContext } from './page.js';
import type { AlertView, NotJudgedView } from './types.js';

/** Enough for a bank's or a hospital's inventory; the page says when it stopped short. */
const MAX_MODELS = 1000;
const MAX_ALERTS_PER_STATUS = 2000;

function counts(c: SeverityCounts): HTMLElement {
  const total = SEVERITIES.reduce((n, s) => n + c[s], 0);
  if (total === 0) return h('span', { class: 'all-clear' }, '✓ ', t('allClear'));
  return h(
    'span',
    { class: 'counts' },
    [...SEVERITIES].reverse().map((s) =>
      c[s] === 0 ? null : h('span', { class: `badge severity severity-${s}`, 'data-severity': s, title: severityLabel(s) }, h('span', { class: 'severity-mark', 'aria-hidden': 'true' }), `${severityLabel(s)} ${c[s]}`),
    ),
  );
}

function modelCard(p: ModelPosture, notJudged: readonly NotJudgedView[]): HTMLElement {
  const m = p.model;
  return h(
    'article',
    { class: `model-card${p.total === 0 ? ' clear' : ''}`, 'data-model-id': p.modelId },
    h(
      'header',
      null,
      h('h3', null, m?.name ?? p.modelId),
      h('a', { href: `#/alerts?model=${encodeURIComponent(p.modelId)}`, class: 'model-id' }, h('code', null, p.modelId)),
      m?.status === 'retired' ? h('span', { class: 'tag' }, t('retired')) : null,
    ),
    m
      ? h(
          'dl',
          { class: 'fields compact' },
          h('dt', null, t('riskTier')),
          h('dd', null, m.risk_tier ?? '—'),
          h('dt', null, t('owner')),
          h('dd', null, m.owner ?? '—'),
          h('dt', null, t('deployed')),
          h('dd', null, m.deployed_version ?? '—'),
        )
      : null,
    h('div', { class: 'model-counts' }, counts(p.counts)),
    p.rules.length === 0
      ? null
      : h(
          'ul',
          { class: 'rule-chips', 'aria-label': t('rulesFiring') },
          p.rules.map((r) =>
            h(
              'li',
              null,
              h(
                'a',
                { href: `#/alerts?model=${encodeURIComponent(p.modelId)}&rule=${encodeURIComponent(r.ruleId)}`, class: `chip chip-${r.severity}`, title: `${severityLabel(r.severity)}: ${ruleTitle(r.ruleId, r.title)}` },
                h('span', { class: 'rule-id' }, r.ruleId),
                ' ',
                ruleTitle(r.ruleId, r.title),
                r.count > 1 ? ` ×${r.count}` : '',
              ),
            ),
          ),
        ),
    notJudged.length === 0
      ? null
      : h(
          'p',
          { class: 'not-judged small', 'data-not-judged': notJudged.map((n) => n.rule_id).join(' ') },
          `${t('notJudged')}: `,
          notJudged.map((n, i) => h('span', { title: ruleTitle(n.rule_id, n.title ?? n.rule_id) }, i === 0 ? '' : ', ', h('span', { class: 'rule-id' }, n.rule_id))),
        ),
    p.lastSeenAt ? h('p', { class: 'muted small' }, `${t('lastSeen')}: `, timeCell(p.lastSeenAt)) : null,
  );
}

function sectorName(sector: string): string {
  if (sector === 'none') return t('noSector');
  if (sector === 'unregistered') return t('notInInventory');
  return sectorLabel(sector);
}

function sectorSection(s: SectorPosture, notJudged: ReadonlyMap<string, readonly NotJudgedView[]>): HTMLElement {
  return h(
    'section',
    { class: 'sector', 'data-sector': s.sector, 'aria-labelledby': `sector-${s.sector}` },
    h('div', { class: 'sector-head' }, h('h2', { id: `sector-${s.sector}` }, sectorName(s.sector)), h('span', { class: 'muted' }, `${t('models')}: ${s.models.length}`), counts(s.counts)),
    s.sector === 'unregistered' ? h('p', { class: 'muted' }, t('notInInventoryHint')) : null,
    s.models.length === 0 ? h('p', { class: 'muted' }, t('noModels')) : h('div', { class: 'model-grid' }, s.models.map((m) => modelCard(m, notJudged.get(m.modelId) ?? []))),
  );
}

export async function renderPosture(ctx: PageContext): Promise<void> {
  fill(ctx.view, loading());
  const notJudgedLoad = ctx.api.all((cursor) => ctx.api.posture(200, cursor), MAX_MODELS).then(
    (p) => new Map(p.items.map((m) => [m.model_id, m.rules.insufficient_data])),
    () => new Map<string, NotJudgedView[]>(),
  );
  const [models, ...open] = await Promise.all([
    ctx.api.all((cursor) => ctx.api.models(200, cursor), MAX_MODELS),
    ...OPEN_STATUSES.map((status) => ctx.api.all((cursor) => ctx.api.alerts({ status }, 200, cursor), MAX_ALERTS_PER_STATUS)),
  ]);
  const notJudged = await notJudgedLoad;
  if (!ctx.isCurrent()) return;
  const alerts: AlertView[] = open.flatMap((o) => o.items);
  const truncated = models.truncated || open.some((o) => o.truncated);
  fill(
    ctx.view,
    h('div', { class: 'page-head' }, h('h1', null, t('postureTitle'))),
    h('p', { class: 'muted' }, t('postureIntro')),
    truncated ? h('p', { class: 'warning' }, t('truncated', { count: MAX_MODELS })) : null,
    buildPosture(models.items, alerts).map((s) => sectorSection(s, notJudged)),
  );
}
