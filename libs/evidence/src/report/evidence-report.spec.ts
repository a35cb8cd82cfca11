import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvidenceReport, changedFields, clockState, coverageOf, formatDuration, type ReportFacts } from './evidence-report';
import { reportFontPath, writeReportPdf } from './report-pdf';

const at = (iso: string) => new Date(iso);

describe('regulatory clocks in the report', () => {
  const due = at('2026-12-10T00:00:00Z');
  it.each([
    ['submitted by the deadline', { dueAt: due, reportSubmittedAt: at('2026-12-09T10:00:00Z') }, at('2026-12-20T00:00:00Z'), 'met'],
    ['submitted on the deadline', { dueAt: due, reportSubmittedAt: due }, at('2026-12-20T00:00:00Z'), 'met'],
    ['submitted late', { dueAt: due, reportSubmittedAt: at('2026-12-11T00:00:00Z') }, at('2026-12-20T00:00:00Z'), 'missed'],
    ['not submitted, deadline passed', { dueAt: due, reportSubmittedAt: null }, at('2026-12-10T00:00:01Z'), 'missed'],
    ['not submitted, deadline ahead', { dueAt: due, reportSubmittedAt: null }, at('2026-12-09T23:59:59Z'), 'open'],
  ] as const)('%s', (_, alert, now, state) => {
    expect(clockState(alert, now)).toBe(state);
  });
});

describe('what a recorded change did', () => {
  it('lists the fields that differ, leaving out the ones that change by themselves', () => {
    const old = { model_id: 'credit_v2', risk_tier: 'high', owner: 'A', updated_at: '1', approved_versions: [{ version: '1' }] };
    const next = { model_id: 'credit_v2', risk_tier: 'medium', owner: 'A', updated_at: '2', approved_versions: [{ version: '1' }, { version: '2' }] };
    expect(changedFields({ old, new: next })).toEqual([
      { field: 'approved_versions', from: [{ version: '1' }], to: [{ version: '1' }, { version: '2' }] },
      { field: 'risk_tier', from: 'high', to: 'medium' },
    ]);
    expect(changedFields({ old: null, new: { rule_id: 'F1', enabled: false } }).map((c) => c.field)).toEqual(['enabled', 'rule_id']);
  });
});

describe('monitoring coverage', () => {
  it('folds verdict counts per model and rule, rules in numeric order, with totals', () => {
    const coverage = coverageOf([
      { modelId: 'm1', ruleId: 'F10', verdict: 'pass', windows: 5 },
      { modelId: 'm1', ruleId: 'F2', verdict: 'fail', windows: 1 },
      { modelId: 'm1', ruleId: 'F2', verdict: 'pass', windows: 3 },
      { modelId: 'm0', ruleId: 'G3', verdict: 'insufficient', windows: 2 },
    ]);
    expect(coverage.rows.map((r) => [r.modelId, r.ruleId, r.pass, r.fail, r.insufficient])).toEqual([
      ['m0', 'G3', 0, 0, 2],
      ['m1', 'F2', 3, 1, 0],
      ['m1', 'F10', 5, 0, 0],
    ]);
    expect(coverage.totals).toEqual({ pass: 8, fail: 1, insufficient: 2, windows: 11 });
  });
});

describe('durations as people read them', () => {
  it.each([
    [null, '—', '—'],
    [0, '0 s', '0秒'],
    [45.4, '45 s', '45秒'],
    [60, '1 min', '1分'],
    [725, '12 min 5 s', '12分5秒'],
    [3 * 3600 + 20 * 60 + 9, '3 h 20 min', '3時間20分'],
    [2 * 86_400 + 4 * 3600, '2 d 4 h', '2日4時間'],
  ])('%s s', (seconds, en, ja) => {
    expect(formatDuration(seconds, 'en')).toBe(en);
    expect(formatDuration(seconds, 'ja')).toBe(ja);
  });
});

describe('the report font', () => {
  it('takes the configured font, else the first Japanese font installed, else names the package to install', () => {
    expect(reportFontPath('/fonts/mine.ttf', () => true)).toBe('/fonts/mine.ttf');
    expect(() => reportFontPath('/fonts/gone.ttf', () => false)).toThrow('KANSHI_REPORT_FONT names /fonts/gone.ttf, which does not exist');
    expect(reportFontPath(undefined, (p) => p.endsWith('fonts-japanese-gothic.ttf'))).toBe('/usr/share/fonts/truetype/fonts-japanese-gothic.ttf');
    expect(() => reportFontPath(undefined, () => false)).toThrow('apt-get install fonts-ipafont-gothic');
  });
});

/** Facts of a small bank: one model, two alerts, one clock missed. */
function facts(): ReportFacts {
  const none = { rows: [], total: 0 };
  return {
    tenant: { id: 'bank-a', name: 'Bank A' },
    period: { from: at('2026-11-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z') },
    scope: { modelId: 'credit_v2', sector: null },
    ledger: { firstSeq: 10, lastSeq: 250, entries: 241, keyId: 'abcdef0123456789' },
    models: {
      total: 1,
      rows: [
        {
          modelId: 'credit_v2',
          name: '与信モデル v2',
          sectors: ['finance'],
          riskTier: 'high',
          owner: '信用リスク部',
          intendedUse: '個人向けローンの審査',
          approvedVersions: ['2.0.0'],
          deployedVersion: '2.0.0',
          deployedAt: at('2026-10-01T00:00:00Z'),
          lastEventAt: at('2026-11-30T23:00:00Z'),
          retiredAt: null,
          rules: [{ ruleId: 'F1', title: 'Population stability', enabled: true, enabledSource: 'default', args: { psi_threshold: 0.25 }, argSources: { psi_threshold: 'model' } }],
        },
      ],
    },
    changes: { total: 1, rows: [{ at: at('2026-11-02T01:00:00Z'), source: 'models', op: 'update', old: { model_id: 'credit_v2', risk_tier: 'medium' }, new: { model_id: 'credit_v2', risk_tier: 'high' } }] },
    actions: { total: 1, rows: [{ at: at('2026-11-02T01:00:00Z'), actor: 'api-key:0123456789ab', actorName: '山田 花子', method: 'PUT', target: '/v1/models/credit_v2', status: 200 }] },
    verdicts: [
      { modelId: 'credit_v2', ruleId: 'F1', verdict: 'pass', windows: 29 },
      { modelId: 'credit_v2', ruleId: 'F1', verdict: 'fail', windows: 1 },
    ],
    alertFigures: { opened: 2, acknowledged: 2, resolved: 1, escalated: 0, bySeverity: { high: 2 }, ackMedianSeconds: 725, ackMaxSeconds: 900, resolveMedianSeconds: 7200, resolveMaxSeconds: 7200 },
    alerts: [],
    findings: 17,
    historyActions: { acknowledged: 2, resolved: 1 },
    silences: none,
    clockAlerts: [
      {
        id: 'x',
        modelId: 'credit_v2',
        ruleId: 'F9',
        title: 'Banking Act notification',
        severity: 'critical',
        status: 'acknowledged',
        openedAt: at('2026-11-03T00:00:00Z'),
        acknowledgedAt: null,
        resolvedAt: null,
        occurrences: 1,
        escalationLevel: 0,
        dueAt: at('2026-11-10T00:00:00Z'),
        reportSubmittedAt: null,
      },
    ],
  };
}

describe('the report as PDF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kanshi-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every section with its figures, in Japanese and in English, read back by pdftotext', async () => {
    const report = buildEvidenceReport(facts(), at('2026-12-02T00:00:00Z'));
    expect(report.clocks).toMatchObject({ met: 0, missed: 1, open: 0 });
    const font = reportFontPath(undefined);
    await writeReportPdf(report, 'en', font, join(dir, 'en.pdf'));
    await writeReportPdf(report, 'ja', font, join(dir, 'ja.pdf'));
    const en = execFileSync('pdftotext', ['-layout', join(dir, 'en.pdf'), '-'], { encoding: 'utf8' });
    const ja = execFileSync('pdftotext', ['-layout', join(dir, 'ja.pdf'), '-'], { encoding: 'utf8' });

    expect(en).toMatch(/Findings \(events a rule fired on\)\s+17/);
    expect(en).toMatch(/Time to acknowledge \(median\)\s+12 min 5 s/);
    expect(en).toContain('30 windows were judged in the period: 29 passed, 1 failed, 0 had insufficient data.');
    expect(en).toContain('0 met, 1 missed, 0 open.');
    expect(en).toMatch(/psi_threshold=0\.25 \(model\)/);
    expect(en).toMatch(/risk_tier: medium → high/);
    expect(en).toContain('entries 10–250 (241)');
    expect(ja).toContain('AIモデル監視 証跡報告書');
    expect(ja).toMatch(/確認までの時間（中央値）\s+12分5秒/);
    expect(ja).toContain('期限内に報告 0件、期限超過 1件、進行中 0件。');
    expect(ja).toContain('山田 花子');
    expect(ja).toContain('信用リスク部');
  });
});
