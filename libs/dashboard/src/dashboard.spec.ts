import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECTORS, SEVERITIES } from '@kanshi/contracts';
import { ALERT_STATUSES } from '@kanshi/alerting-core';
import { BUILT_IN_SECTOR_MODULES } from '@kanshi/policy-catalog';
import { getSectorModuleOptions } from '@kanshi/policy-sdk';
// The browser code's pure parts, tested here under Node (they touch no DOM).
import * as browser from '../browser/alerts-logic';
import { RULE_TITLES_JA } from '../browser/rule-titles-ja';
import type { AlertView, ModelView } from '../browser/types';
import { DASHBOARD_ASSET_NAME, dashboardContentType, resolveDashboardAssets } from './dashboard-assets';

function alert(overrides: Partial<AlertView>): AlertView {
  return {
    id: 'a',
    tenant_id: 't',
    status: 'firing',
    severity: 'medium',
    rule_id: 'G2',
    module_id: 'general',
    sector: 'general',
    model_id: 'm',
    scope: 'model',
    title: 'Feature distribution drift (PSI) above threshold',
    source: 's',
    fingerprint: 'f',
    occurrence_count: 1,
    first_seen_at: '2026-11-24T00:00:00.000Z',
    last_seen_at: '2026-11-24T00:00:00.000Z',
    args: {},
    observed: {},
    evidence_event_ids: [],
    due_at: null,
    assignee: null,
    escalation_level: 0,
    acknowledged_at: null,
    resolved_at: null,
    clear_since: null,
    silenced_by: null,
    opened_at: '2026-11-24T00:00:00.000Z',
    notified_at: null,
    created_at: '2026-11-24T00:00:00.000Z',
    updated_at: '2026-11-24T00:00:00.000Z',
    ...overrides,
  };
}

function model(modelId: string, sectors: string[], status: ModelView['status'] = 'active'): ModelView {
  return { model_id: modelId, name: modelId, sectors, risk_tier: null, owner: null, intended_use: null, deployed_version: null, deployed_at: null, status };
}

describe('dashboard browser code', () => {
  it('has a Japanese title for every built-in rule, and none for rules that do not exist', () => {
    const ids = BUILT_IN_SECTOR_MODULES.flatMap((m) => getSectorModuleOptions(m)?.rules.map((r) => r.id) ?? []);
    expect(ids).toHaveLength(48);
    expect(Object.keys(RULE_TITLES_JA).sort()).toEqual([...ids].sort());
    for (const title of Object.values(RULE_TITLES_JA)) expect(title).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  });

  it('knows the severities, sectors and statuses the API sends', () => {
    expect(browser.SEVERITIES).toEqual(SEVERITIES);
    expect(browser.SECTORS).toEqual(SECTORS);
    expect([...browser.ALERT_STATUSES].sort()).toEqual([...ALERT_STATUSES].sort());
  });

  it('sorts by last seen, by severity, and by due date with undated alerts last', () => {
    const items = [
      alert({ id: 'old-critical', severity: 'critical', last_seen_at: '2026-11-20T00:00:00Z', due_at: null }),
      alert({ id: 'new-low', severity: 'low', last_seen_at: '2026-11-24T00:00:00Z', due_at: '2026-12-01T00:00:00Z' }),
      alert({ id: 'mid-high', severity: 'high', last_seen_at: '2026-11-22T00:00:00Z', due_at: '2026-11-25T00:00:00Z' }),
    ];
    expect(browser.sortAlerts(items, 'last_seen').map((a) => a.id)).toEqual(['new-low', 'mid-high', 'old-critical']);
    expect(browser.sortAlerts(items, 'severity').map((a) => a.id)).toEqual(['old-critical', 'mid-high', 'new-low']);
    expect(browser.sortAlerts(items, 'due').map((a) => a.id)).toEqual(['mid-high', 'new-low', 'old-critical']);
    expect(items.map((a) => a.id)).toEqual(['old-critical', 'new-low', 'mid-high']);
  });

  it('keeps the inbox filters in the route and back', () => {
    const q = browser.parseInboxQuery(new URLSearchParams('status=firing&rule=F3&sort=severity&model=credit%20v3&bogus=1'));
    expect(q).toEqual({ status: 'firing', severity: '', sector: '', model: 'credit v3', rule: 'F3', sort: 'severity' });
    expect(browser.parseInboxQuery(new URLSearchParams(browser.inboxQueryString(q).slice(1)))).toEqual(q);
    expect(browser.parseInboxQuery(new URLSearchParams('sort=nonsense')).sort).toBe('last_seen');
    expect(browser.inboxQueryString(browser.parseInboxQuery(new URLSearchParams()))).toBe('');
  });

  it('counts open alerts per model by severity and rule, grouped by sector, models outside the inventory apart', () => {
    const models = [model('credit', ['finance']), model('triage', ['medical', 'finance']), model('bare', []), model('old', ['finance'], 'retired')];
    const alerts = [
      alert({ id: '1', model_id: 'credit', rule_id: 'F3', severity: 'high' }),
      alert({ id: '2', model_id: 'credit', rule_id: 'F7', severity: 'medium' }),
      alert({ id: '3', model_id: 'triage', rule_id: 'M7', severity: 'critical' }),
      alert({ id: '4', model_id: 'shadow', rule_id: 'G1', severity: 'high' }),
      alert({ id: '5', model_id: 'old', rule_id: 'G1', severity: 'high' }),
    ];
    const posture = browser.buildPosture(models, alerts);
    expect(posture.map((s) => s.sector)).toEqual(['general', 'finance', 'medical', 'platform', 'none', 'unregistered']);
    const finance = posture.find((s) => s.sector === 'finance');
    // Worst first: the critical M7 of triage before credit's high and medium.
    expect(finance?.models.map((m) => m.modelId)).toEqual(['triage', 'credit']);
    expect(finance?.counts).toEqual({ low: 0, medium: 1, high: 1, critical: 1 });
    expect(finance?.models[1]?.rules.map((r) => [r.ruleId, r.severity, r.count])).toEqual([
      ['F3', 'high', 1],
      ['F7', 'medium', 1],
    ]);
    expect(posture.find((s) => s.sector === 'none')?.models.map((m) => [m.modelId, m.total])).toEqual([['bare', 0]]);
    expect(posture.find((s) => s.sector === 'unregistered')?.models.map((m) => m.modelId).sort()).toEqual(['old', 'shadow']);
    expect(posture.find((s) => s.sector === 'general')?.models).toEqual([]);
  });

  it('shows the arguments in force beside the rule defaults', () => {
    expect(browser.argumentRows({ minRatio: 0.7, window: '7d' }, { minRatio: 0.8, window: '7d', extra: 1 })).toEqual([
      { name: 'minRatio', inForce: 0.7, ruleDefault: 0.8, changed: true },
      { name: 'window', inForce: '7d', ruleDefault: '7d', changed: false },
      { name: 'extra', inForce: undefined, ruleDefault: 1, changed: false },
    ]);
    expect(browser.splitList(' a, b  c,,a、d ')).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('alert page: history and occurrences', () => {
  const entry = (action: string, at: string) => ({ action, at });

  it('summarises each run of "fired again" entries as one, keeping changes of state as they are', () => {
    const history = [
      entry('created', '01'),
      entry('occurrence', '02'),
      entry('occurrence', '03'),
      entry('occurrence', '04'),
      entry('acknowledged', '05'),
      entry('occurrence', '06'),
      entry('resolved', '07'),
    ];
    expect(browser.summariseHistory(history)).toEqual([
      { entry: entry('created', '01') },
      { entry: entry('occurrence', '04'), repeated: { times: 3, firstAt: '02', lastAt: '04' } },
      { entry: entry('acknowledged', '05') },
      { entry: entry('occurrence', '06') },
      { entry: entry('resolved', '07') },
    ]);
    expect(browser.summariseHistory([])).toEqual([]);
    // Hundreds of batches of one alert: one line.
    expect(browser.summariseHistory(Array.from({ length: 500 }, (_, i) => entry('occurrence', String(i))))).toHaveLength(1);
  });

  it('scales the occurrence bars to the tallest, with a sliver for the smallest', () => {
    const bars = browser.occurrenceBars([
      { at: 'a', count: 1000, severity: 'high' },
      { at: 'b', count: 500, severity: 'low' },
      { at: 'c', count: 1, severity: 'critical' },
    ]);
    expect(bars.map((b) => b.heightPct)).toEqual([100, 50, 4]);
    expect(browser.occurrenceBars([])).toEqual([]);
  });
});

describe('dashboard assets', () => {
  it('serves flat file names of known types only', () => {
    for (const ok of ['app.js', 'dashboard.css', 'favicon.svg', 'page-alert.js']) expect(DASHBOARD_ASSET_NAME.test(ok)).toBe(true);
    for (const bad of ['../app.js', '.swcrc', 'app.js.map', 'tsconfig.json', 'app.ts', 'a/b.js', 'App.js', '%2e%2e.js', '']) expect(DASHBOARD_ASSET_NAME.test(bad)).toBe(false);
    expect(dashboardContentType('app.js')).toBe('text/javascript; charset=utf-8');
    expect(dashboardContentType('index.html')).toBe('text/html; charset=utf-8');
  });

  it('finds the built files beside the compiled module, or in dist/ when running from the sources', () => {
    const root = mkdtempSync(join(tmpdir(), 'kanshi-dashboard-'));
    try {
      const built = join(root, 'dist', 'libs', 'dashboard');
      mkdirSync(join(built, 'src'), { recursive: true });
      mkdirSync(join(built, 'browser'), { recursive: true });
      mkdirSync(join(root, 'libs', 'dashboard', 'src'), { recursive: true });
      expect(resolveDashboardAssets(join(built, 'src'))).toBeNull();
      writeFileSync(join(built, 'browser', 'app.js'), '');
      writeFileSync(join(built, 'browser', 'index.html'), '');
      expect(resolveDashboardAssets(join(built, 'src'))).toBe(join(built, 'browser'));
      expect(resolveDashboardAssets(join(root, 'libs', 'dashboard', 'src'))).toBe(join(built, 'browser'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
