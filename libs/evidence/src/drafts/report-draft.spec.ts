import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFontPath } from '../report/report-pdf';
import { writeDraftPdf } from './draft-pdf';
import { buildReportDraft, draftKindOf, pmdReportDays, type DraftInput } from './report-draft';

const input = (ruleId: string, observed: Record<string, unknown>, dueAt: Date | null = new Date('2026-12-12T09:00:00Z')): DraftInput => ({
  tenant: { id: 'bank-a', name: 'みなと銀行' },
  alert: {
    id: '6f1c2f0e-0000-4000-8000-000000000001',
    ruleId,
    title: 'Reportable breach without a preliminary report to the PPC',
    severity: 'high',
    firstSeenAt: new Date('2026-12-10T09:00:00Z'),
    dueAt,
    reportSubmittedAt: null,
    observed,
    occurrences: 2,
    evidenceEventIds: ['evt-1', 'evt-2'],
  },
  model: { modelId: 'credit_v2', name: 'Credit v2', owner: 'Credit risk', intendedUse: 'Retail loans', deployedVersion: '2.0.1', deployedHash: 'sha256:ab12' },
});

describe('which report an alert calls for', () => {
  it.each([
    ['P8', {}, 'appi-preliminary'],
    ['P13', {}, 'appi-final'],
    ['M7', {}, 'pmd-adverse-event'],
    ['M8', {}, 'pmd-adverse-event'],
    ['F12', {}, 'banking-art53'],
    ['M9', { regulator: 'PMDA' }, 'pmd-adverse-event'],
    ['M9', { regulator: 'ppc', kind: 'final' }, 'appi-final'],
    ['M9', { regulator: 'PPC', kind: 'preliminary' }, 'appi-preliminary'],
    ['M9', { regulator: 'FSA' }, 'banking-art53'],
    ['M9', { regulator: 'someone' }, null],
    ['G1', {}, null],
    ['P2', {}, null],
  ])('%s %j → %s', (ruleId, observed, kind) => {
    expect(draftKindOf(ruleId, observed)).toBe(kind);
  });

  it('takes the PMD Act category from the rule, else from the clock’s length', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    expect(pmdReportDays('M7', null, null)).toBe(15);
    expect(pmdReportDays('M8', null, null)).toBe(30);
    expect(pmdReportDays('M9', at, new Date('2026-12-16T00:00:00Z'))).toBe(15);
    expect(pmdReportDays('M9', at, new Date('2026-12-31T00:00:00Z'))).toBe(30);
    expect(pmdReportDays('M9', null, at)).toBeNull();
  });
});

describe('report drafts', () => {
  it('pre-fills an APPI preliminary report from the alert and leaves what only a person knows empty', () => {
    const draft = buildReportDraft(input('P8', { incident_id: 'INC-7', triggers: ['sensitive', 'over_1000'], records_affected: 1520, awareness_time: '2026-12-09T01:00:00.000Z' }), 'en');
    expect(draft).toMatchObject({ kind: 'appi-preliminary', regulator: 'Personal Information Protection Commission (PPC)', deadline: '2026-12-12T09:00:00.000Z' });
    const value = (key: string) => draft?.fields.find((f) => f.key === key)?.value;
    expect(value('reporter')).toBe('みなと銀行');
    expect(value('summary')).toBe('Reportable breach without a preliminary report to the PPC (incident INC-7)');
    expect(value('found_at')).toBe('2026-12-09T01:00:00.000Z');
    expect(value('data_items')).toBe('sensitive, over_1000');
    expect(value('people_affected')).toBe('1520');
    expect(value('ai_system')).toBe('Credit v2 (credit_v2) v2.0.1 — Retail loans');
    expect(['cause', 'harm', 'people_notified', 'publication', 'measures'].map(value)).toEqual([null, null, null, null, null]);
  });

  it('drafts a PMD Act report with its category and a Banking Act notification with the kind of misconduct, in Japanese', () => {
    const pmd = buildReportDraft(input('M7', { incident_id: 'INC-9', patient_harm: 'death', awareness_time: '2026-12-01T00:00:00.000Z' }), 'ja');
    expect(pmd?.title).toContain('第68条の10');
    expect(pmd?.fields.find((f) => f.key === 'category')?.value).toBe('15日報告');
    expect(pmd?.fields.find((f) => f.key === 'patient_outcome')?.value).toBe('death');
    expect(pmd?.fields.find((f) => f.key === 'version')?.value).toBe('2.0.1 (sha256:ab12)');
    const bank = buildReportDraft(input('F12', { incident_id: 'INC-3', incident_type: 'misconduct', awareness_time: '2026-12-01T00:00:00.000Z' }), 'ja');
    expect(bank).toMatchObject({ kind: 'banking-art53', regulator: '金融庁' });
    expect(bank?.fields.find((f) => f.key === 'misconduct')?.value).toBe('misconduct');
    expect(buildReportDraft(input('G1', {}), 'ja')).toBeNull();
  });

  it('prints as a PDF marked as a draft, empty fields marked to be completed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kanshi-draft-'));
    try {
      const draft = buildReportDraft(input('P13', { incident_id: 'INC-7', records_affected: 1520, awareness_time: '2026-12-09T01:00:00.000Z' }), 'ja');
      if (!draft) throw new Error('no draft');
      const path = join(dir, 'draft.pdf');
      await writeDraftPdf(draft, reportFontPath(undefined), createWriteStream(path));
      const printed = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
      expect(printed).toContain('下書き（DRAFT）');
      expect(printed).toContain('個人データの漏えい等の報告（確報）');
      expect(printed).toMatch(/本人の数\s+1520/);
      expect(printed).toMatch(/発生原因\s+（要記入）/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
