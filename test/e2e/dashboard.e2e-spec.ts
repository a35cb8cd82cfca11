import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { alertFingerprint, type RaiseAlertJob, type Severity } from '@kanshi/contracts';
import { loadConfig, type AppConfig } from '@kanshi/config';
import { EvidenceLedger, EvidenceSigner, ExportBundleJobHandler } from '@kanshi/evidence';
import { AlertWrites, EvidenceBundleRepository, EvidenceReportRepository, EvidenceRepository, ModelRepository } from '@kanshi/persistence';
import { createTenantFixture, findingRecord, raiseAlertJob, uniqueId, type TenantFixture } from '@kanshi/testing';
import { startApi } from '../../apps/api/src/main';
import { ROOT } from './run-built-app';

/** Debian's Chromium (scripts/test.sh installs it); no browser is ever downloaded. */
const CHROMIUM = process.env['KANSHI_CHROMIUM'] ?? '/usr/bin/chromium';
/**
 * Flags for this sandbox: no sandboxing as root, no GPU, and no calls home (the network is
 * closed; without these Chromium keeps trying). Playwright adds `--headless` and a fresh
 * temporary `--user-data-dir` of its own for every launch, and deletes it on close.
 */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Screenshots for a person to look at (git-ignored). */
const ARTIFACTS = join(__dirname, 'artifacts');
const STEP_MS = 15_000;

interface AlertBody {
  status: string;
  history: { action: string; comment: string | null; actor_name: string | null }[];
}

/**
 * The dashboard in a real browser against the api on the real PostgreSQL and Redis: a risk
 * officer signs in with a key, finds a seeded alert in the inbox, acknowledges it with a comment
 * and sees the history grow; model posture and silences render; the language switches to
 * Japanese and stays; a viewer is offered no action. Screenshots land in test/e2e/artifacts/.
 */
describe('dashboard in Chromium (real api, PostgreSQL, Redis)', () => {
  let config: AppConfig;
  let api: INestApplication;
  let base: string;
  let tenant: TenantFixture;
  let browser: Browser;
  let officer: BrowserContext;
  let page: Page;
  const ids: Record<'g1' | 'f3' | 'm7', string> = { g1: '', f3: '', m7: '' };
  let g1EventId = '';
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** Records script errors and console errors (CSP refusals show there); failed requests the test causes are expected. */
  const watch = (p: Page) => {
    p.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    p.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${message.text()}`);
    });
    p.setDefaultTimeout(STEP_MS);
  };

  /**
   * Polls from here until the page shows what is expected (the page's script policy refuses
   * Playwright's in-page predicates, `waitForFunction`); a page redrawn after a navigation may
   * still show the previous rows for a moment.
   */
  const eventually = async <T>(what: string, read: () => Promise<T>, expected: T, withinMs = STEP_MS) => {
    const until = Date.now() + withinMs;
    let seen = await read();
    while (seen !== expected) {
      if (Date.now() > until) throw new Error(`expected ${what} to be ${String(expected)}, saw ${String(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await read();
    }
  };
  const waitForCount = (locator: Locator, expected: number) => eventually(String(locator), () => locator.count(), expected);
  const firstRow = () => page.locator('tr[data-alert-id]').first().getAttribute('data-alert-id');

  const signIn = async (p: Page, key: string) => {
    await p.locator('#api-key').fill(key);
    await p.locator('#sign-in').click();
  };

  const seed = async (modelId: string, ruleId: string, moduleId: string, sector: RaiseAlertJob['sector'], severity: Severity, title: string, extra: Partial<RaiseAlertJob> = {}) => {
    const fingerprint = alertFingerprint(tenant.tenantId, modelId, ruleId, 'model');
    const finding = findingRecord(fingerprint, severity);
    const job: RaiseAlertJob = { ...raiseAlertJob(tenant.tenantId, modelId, [finding]), fingerprint, rule_id: ruleId, module_id: moduleId, sector, title, ...extra };
    const result = await api.get(AlertWrites).recordFindings(job);
    return { id: result.alertId, eventId: finding.event_id };
  };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'libs', 'dashboard', 'browser', 'app.js'))) {
      throw new Error('dist/libs/dashboard/browser is missing: run `npm run build` (npm test does it) before this suite');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'apt-get install chromium' (npm test does it)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    config = loadConfig({ ...process.env, KANSHI_API_PORT: '0', KANSHI_QUEUE_PREFIX: `kanshi-test-${uniqueId('dashboard')}` });
    api = await startApi(config);
    const address = (api.getHttpServer() as Server).address() as AddressInfo;
    base = `http://127.0.0.1:${address.port}`;

    tenant = await createTenantFixture(api.get(DataSource), uniqueId('dashboard'), [
      { modelId: 'credit-scoring-v3', name: 'Retail credit scoring', sectors: ['finance'], riskTier: 'T1', owner: 'Retail credit risk' },
      { modelId: 'ct-triage', name: 'CT triage assistant', sectors: ['medical'], riskTier: 'T1', owner: 'Radiology AI board' },
      { modelId: 'news-ranker', name: 'News recommender', sectors: ['platform'] },
    ]);
    const g1 = await seed('shadow-credit', 'G1', 'general', 'general', 'high', 'Model has no inventory entry', {
      source: 'AI Guidelines for Business v1.1 (governance, accountability); AI Promotion Act Basic Plan',
    });
    ids.g1 = g1.id;
    // The engine's verdict on a window with too few samples, as it records it.
    await new ModelRepository(api.get(DataSource)).recordRuleVerdicts([
      { tenantId: tenant.tenantId, modelId: 'news-ranker', ruleId: 'G5', scope: 'model', verdict: 'insufficient', observed: { generated: 12, min_samples: 100 }, judgedAt: new Date().toISOString() },
    ]);
    g1EventId = g1.eventId;
    ids.f3 = (
      await seed('credit-scoring-v3', 'F3', 'finance-fsa', 'finance', 'high', 'Credit decisions without reason codes', {
        source: 'FSA AI Discussion Paper (Mar 2025) (explainability); FSA Principles for Model Risk Management (Nov 2021), principle 5 (ongoing monitoring)',
        // A tenant override of the coverage; the page shows it beside the rule's default (0.99).
        args: { minCoverage: 0.97, adverseDecisions: ['decline', 'reject', 'deny'], window: '1h', lateness: '15m', minSamples: 20 },
      })
    ).id;
    ids.m7 = (
      await seed('ct-triage', 'M7', 'medical-pmda', 'medical', 'critical', 'Death or serious harm: 15-day report clock; incident unclassified after 48h', {
        source: 'PMD Act Art. 68-10 (malfunction and adverse event reports: 15 days)',
        due_at: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      })
    ).id;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
    officer = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Tokyo', acceptDownloads: true });
    page = await officer.newPage();
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    // Alert changes schedule follow-up jobs no worker runs here, and keys leave rate-limit counters.
    if (config) {
      const redis = new Redis(config.values.redisUrl);
      const keys = await redis.keys(`${config.values.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('refuses a bad key in a readable banner, then signs a risk officer in and lists the seeded alerts', async () => {
    await page.goto(`${base}/`);
    await signIn(page, 'kanshi_000000000000_not-a-real-secret');
    const banner = page.locator('#banner.banner-error');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/401.*unknown, revoked or malformed/s);

    await signIn(page, tenant.keys.risk_officer);
    const row = page.locator(`tr[data-alert-id="${ids.g1}"]`);
    await row.waitFor();
    expect(await page.locator('#banner').isHidden()).toBe(true);
    expect(await row.locator('[data-severity]').textContent()).toBe('High');
    expect(await row.textContent()).toContain('Model has no inventory entry');
    expect(await page.locator('tr[data-alert-id]').count()).toBe(3);
    expect(await page.locator('#who-roles').textContent()).toContain('risk_officer');
    // Severity sort puts the critical M7 first; the order is the page's, the rows the API's.
    await page.locator('#filter-sort').selectOption('severity');
    await page.waitForURL(/sort=severity/);
    await eventually('the first row', firstRow, ids.m7);
    await shot('inbox');

    // A filter goes to the API and stays in the route.
    await page.locator('#filter-sector').selectOption('finance');
    await page.waitForURL(/sector=finance/);
    await page.locator(`tr[data-alert-id="${ids.f3}"]`).waitFor();
    await waitForCount(page.locator('tr[data-alert-id]'), 1);
    expect(await firstRow()).toBe(ids.f3);
    await page.locator('a.button-link').click();
    await waitForCount(page.locator('tr[data-alert-id]'), 3);
  });

  it('opens the alert with its rule and evidence, acknowledges it with a comment and shows the history grow', async () => {
    await page.locator(`tr[data-alert-id="${ids.g1}"] a.alert-link`).click();
    await page.locator(`[data-page="alert"] .alert-head[data-alert-id="${ids.g1}"]`).waitFor();
    expect(await page.locator('h1').textContent()).toContain('G1');
    expect(await page.locator('#alert-rule').textContent()).toContain('AI Guidelines for Business v1.1');
    expect(await page.locator('#alert-rule').textContent()).toContain('an unregistered model, or one registered without them, escapes governance');
    expect(await page.locator('#alert-evidence').textContent()).toContain(g1EventId);
    expect(await page.locator('.timeline li').count()).toBe(1);
    expect(await page.locator('.alert-head [data-status]').getAttribute('data-status')).toBe('firing');
    await shot('detail');

    const comment = 'Checked with the model owner: the shadow model is being registered today.';
    await page.locator('#action-comment').fill(comment);
    await page.locator('button[data-action="ack"]').click();
    await page.locator('.alert-head [data-status="acknowledged"]').waitFor();
    const entry = page.locator('.timeline li[data-event="acknowledged"]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain(comment);
    expect(await entry.textContent()).toContain('risk_officer key');
    expect(await page.locator('.timeline li').count()).toBe(2);
    expect(await page.locator('#banner.banner-notice').textContent()).toContain('Acknowledged.');
    // Acknowledged: no second acknowledge offered; resolve and comment still are.
    expect(await page.locator('button[data-action="ack"]').count()).toBe(0);
    expect(await page.locator('button[data-action="resolve"]').count()).toBe(1);

    const stored = (await (await fetch(`${base}/v1/alerts/${ids.g1}`, { headers: { Authorization: `Bearer ${tenant.keys.viewer}` } })).json()) as AlertBody;
    expect(stored.status).toBe('acknowledged');
    expect(stored.history.at(-1)).toMatchObject({ action: 'acknowledged', comment, actor_name: 'risk_officer key' });
    await shot('detail-acknowledged');
  });

  it('refreshes the inbox by itself, keeping the filters', async () => {
    await page.goto(`${base}/#/alerts?sector=finance`);
    const status = page.locator(`tr[data-alert-id="${ids.f3}"] [data-status]`);
    expect(await status.getAttribute('data-status')).toBe('firing');
    // Someone else acknowledges the alert meanwhile, through the API.
    const ack = await fetch(`${base}/v1/alerts/${ids.f3}/ack`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenant.keys.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: 'Taken by the model owner.' }),
    });
    expect(ack.status).toBe(200);
    await eventually('the status shown', () => status.getAttribute('data-status'), 'acknowledged', 20_000);
    expect(page.url()).toMatch(/#\/alerts\?sector=finance$/);
    expect(await page.locator('#filter-sector').inputValue()).toBe('finance');
    expect(await page.locator('tr[data-alert-id]').count()).toBe(1);
    expect(await page.locator('.live').textContent()).toMatch(/refreshed every 10 s/);
  });

  it('shows the thresholds in force beside the rule defaults', async () => {
    await page.goto(`${base}/#/alerts/${ids.f3}`);
    await page.locator(`.alert-head[data-alert-id="${ids.f3}"]`).waitFor();
    const changed = page.locator('#alert-rule tr.changed');
    expect(await changed.count()).toBe(1);
    expect(await changed.textContent()).toMatch(/minCoverage.*0\.97.*0\.99/);
    expect(await page.locator('#alert-rule').textContent()).toContain('FSA Principles for Model Risk Management');
    await page.locator('#alert-rule').screenshot({ path: join(ARTIFACTS, 'detail-thresholds.png') });
  });

  it('shows model posture by sector, with the models outside the inventory apart', async () => {
    await page.locator('a.nav-link[href="#/posture"]').click();
    const credit = page.locator('[data-sector="finance"] [data-model-id="credit-scoring-v3"]');
    await credit.waitFor();
    expect(await credit.textContent()).toContain('F3');
    expect(await credit.locator('[data-severity="high"]').textContent()).toContain('High 1');
    expect(await page.locator('[data-sector="medical"] [data-model-id="ct-triage"] [data-severity="critical"]').count()).toBe(1);
    expect(await page.locator('[data-sector="platform"] [data-model-id="news-ranker"]').textContent()).toContain('No open alerts');
    // A rule whose last window had too few samples is shown as not judged, not as all clear.
    expect(await page.locator('[data-model-id="news-ranker"] [data-not-judged]').getAttribute('data-not-judged')).toBe('G5');
    expect(await page.locator('[data-model-id="news-ranker"] .not-judged').textContent()).toContain('Not judged');
    expect(await page.locator('[data-sector="unregistered"] [data-model-id="shadow-credit"]').count()).toBe(1);
    await shot('posture');
  });

  it('creates a silence with matchers and a reason, and expires it', async () => {
    await page.locator('a.nav-link[href="#/silences"]').click();
    await page.locator('#silence-form').waitFor();
    await page.locator('#silence-models').fill('news-ranker');
    await page.locator('#silence-reason').fill('Ranking change under review with the platform team.');
    await page.locator('#silence-create').click();
    const row = page.locator('tr[data-silence-id]').first();
    await row.locator('.state-active').waitFor();
    expect(await row.textContent()).toContain('news-ranker');
    expect(await row.textContent()).toContain('Ranking change under review');
    await shot('silences');
    await row.locator('button[data-action="expire"]').click();
    await page.locator('tr[data-silence-id] .state-expired').first().waitFor();
    expect(await page.locator('tr[data-silence-id] button[data-action="expire"]').count()).toBe(0);
  });

  it('switches to Japanese labels, keeps the choice across a reload, and switches back', async () => {
    await page.locator('#lang-toggle').click();
    expect(await page.locator('a.nav-link[href="#/posture"]').textContent()).toBe('モデルの状況');
    await page.locator('a.nav-link[href="#/posture"]').click();
    await page.locator('[data-sector="finance"] h2').waitFor();
    expect(await page.locator('[data-sector="finance"] h2').textContent()).toBe('金融');
    expect(await page.locator('[data-sector="medical"] h2').textContent()).toBe('医療');
    await shot('posture-ja');

    await page.locator('a.nav-link[href="#/alerts"]').click();
    const row = page.locator(`tr[data-alert-id="${ids.g1}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('モデルがモデル台帳（インベントリ）に登録されていない');
    expect(await row.locator('[data-status]').textContent()).toBe('確認済み');
    expect(await page.evaluate('localStorage.getItem("kanshi.lang")')).toBe('ja');
    await shot('inbox-ja');

    // Reloading keeps the language (localStorage) and the sign-in (sessionStorage of the tab).
    await page.reload();
    await page.locator(`tr[data-alert-id="${ids.g1}"]`).waitFor();
    expect(await page.locator('#lang-toggle').textContent()).toBe('English');
    await page.locator('#lang-toggle').click();
    expect(await page.locator('a.nav-link[href="#/alerts"]').textContent()).toBe('Alert inbox');
  });

  it('offers a viewer no actions, on alerts nor on silences, and opens notification links', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB' });
    try {
      const viewer = await context.newPage();
      watch(viewer);
      // The link a notification carries: KANSHI_PUBLIC_URL/alerts/<id>.
      await viewer.goto(`${base}/alerts/${ids.m7}`);
      await signIn(viewer, tenant.keys.viewer);
      await viewer.locator(`.alert-head[data-alert-id="${ids.m7}"]`).waitFor();
      expect(viewer.url()).toBe(`${base}/#/alerts/${ids.m7}`);
      await viewer.locator('#alert-history .timeline li').first().waitFor();
      expect(await viewer.locator('.read-only').textContent()).toBe('Read only');
      expect(await viewer.locator('#alert-actions').count()).toBe(0);
      expect(await viewer.locator('button[data-action]').count()).toBe(0);
      expect(await viewer.locator('#action-comment').count()).toBe(0);

      await viewer.locator('a.nav-link[href="#/silences"]').click();
      await viewer.locator('tr[data-silence-id]').first().waitFor();
      expect(await viewer.locator('#silence-form').count()).toBe(0);
      expect(await viewer.locator('button[data-action]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('shows an alert that fired thousands of times with its evidence on the first screen, occurrences as a chart and repeated firing as one history line', async () => {
    const modelId = 'fraud-scoring';
    const fingerprint = alertFingerprint(tenant.tenantId, modelId, 'G1', 'model');
    const day = 86_400_000;
    const start = Date.now() - 20 * day;
    const repository = api.get(AlertWrites);
    // 3,000 findings over 20 days, as engine batches of 50, recorded as sets.
    const batches = Array.from({ length: 60 }, (_, b) => raiseAlertJob(tenant.tenantId, modelId, Array.from({ length: 50 }, (_, i) => findingRecord(fingerprint, 'high', new Date(start + (b * 50 + i) * (20 * day / 3000))))));
    for (let i = 0; i < batches.length; i += 10) await repository.recordFindingSet(tenant.tenantId, batches.slice(i, i + 10));
    const alertId = (await repository.recordFindings(batches[0]!)).alertId;
    // Alerts raised before firing again was counted over time wrote one history row per batch.
    await api.get(DataSource).query(
      `INSERT INTO alert_history (alert_id, tenant_id, action, actor, details) SELECT $1, $2, 'occurrence', 'kanshi', '{"new_findings": 50}'::jsonb FROM generate_series(1, 400)`,
      [alertId, tenant.tenantId],
    );

    await page.goto(`${base}/#/alerts/${alertId}`);
    await page.locator(`.alert-head[data-alert-id="${alertId}"]`).waitFor();
    await page.locator('#alert-occurrences .occurrence-bar').first().waitFor();
    const bars = page.locator('#alert-occurrences .occurrence-bar');
    expect(await bars.count()).toBeGreaterThanOrEqual(20);
    const counted = (await Promise.all((await bars.all()).map((bar) => bar.getAttribute('data-count')))).reduce((sum, n) => sum + Number(n), 0);
    expect(counted).toBe(3000);
    // The 400 rows of firing again are one line; the evidence starts within the first screen.
    expect(await page.locator('#alert-history .timeline li').count()).toBe(2);
    expect(await page.locator('#alert-history [data-repeated]').getAttribute('data-repeated')).toBe('400');
    const evidence = await page.locator('#alert-evidence').boundingBox();
    expect(evidence?.y ?? Infinity).toBeLessThan(900);
    await page.screenshot({ path: join(ARTIFACTS, 'detail-many-occurrences.png') });
  });

  it('makes an evidence bundle from the Evidence page and downloads it once the job is done, and downloads a report draft from an alert with a legal clock', async () => {
    // The officer is still signed in (an earlier test).
    await page.goto(`${base}/#/evidence`);
    await page.locator('#bundle-form').waitFor();
    await page.locator('#bundle-model').fill('ct-triage');
    await page.locator('#bundle-create').click();
    const row = page.locator('tr[data-bundle-id]').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('queued');
    await shot('evidence-bundle-queued');

    // No worker runs here: the test runs the worker's job for the bundle the page asked for.
    const bundleId = (await row.getAttribute('data-bundle-id')) ?? '';
    const dataSource = api.get(DataSource);
    const handler = new ExportBundleJobHandler(
      new EvidenceBundleRepository(dataSource),
      new EvidenceLedger(new EvidenceRepository(dataSource), EvidenceSigner.fromSeed(Buffer.alloc(32, 11))),
      new EvidenceRepository(dataSource),
      new EvidenceReportRepository(dataSource),
      config,
      () => [],
    );
    await handler.handle({ tenant_id: tenant.tenantId, bundle_id: bundleId }, { jobId: 'dashboard', attempt: 1, maxAttempts: 1 });
    await eventually('the bundle’s status', () => page.locator(`tr[data-bundle-id="${bundleId}"]`).getAttribute('data-status'), 'done');
    const [archive] = await Promise.all([page.waitForEvent('download'), page.locator(`tr[data-bundle-id="${bundleId}"] button[data-action="download-bundle"]`).click()]);
    expect(archive.suggestedFilename()).toMatch(/^kanshi-evidence-.*\.tar\.gz$/);
    await archive.saveAs(join(ARTIFACTS, 'evidence-bundle-from-dashboard.tar.gz'));
    await shot('evidence-bundle-done');

    await page.goto(`${base}/#/alerts/${ids.m7}`);
    await page.locator('#draft-report').waitFor();
    const [draft] = await Promise.all([page.waitForEvent('download'), page.locator('#draft-report').click()]);
    expect(draft.suggestedFilename()).toMatch(/^kanshi-pmd-adverse-event-draft-.*\.pdf$/);
    // An alert without a legal clock offers no draft.
    await page.goto(`${base}/#/alerts/${ids.g1}`);
    await page.locator(`.alert-head[data-alert-id="${ids.g1}"]`).waitFor();
    expect(await page.locator('#draft-report').count()).toBe(0);
  });

  it('ran without script errors or refused resources', () => {
    expect(pageErrors).toEqual([]);
  });
});
