import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXPORTED_METRICS } from './exported-metrics';

// deploy/observability/ (Grafana dashboard, Prometheus rules, scrape config, rule tests) checked
// against promtool and against the metrics the apps export: a renamed metric or label, a broken
// expression or an alert without a test fails here, not on someone's Prometheus.

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'observability');
const FILES = {
  dashboard: join(DIR, 'grafana-dashboard.json'),
  rules: join(DIR, 'prometheus-rules.yml'),
  config: join(DIR, 'prometheus.yml'),
  ruleTests: join(DIR, 'rules.test.yml'),
} as const;
const PROMTOOL_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// promtool (Debian's `prometheus` package)

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run & { readonly missing: boolean }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, output: `${stdout}${stderr}${error && code === null ? error.message : ''}`, missing: error?.code === 'ENOENT' });
    });
  });
}

let promtoolChecked: Promise<void> | undefined;

/** Fails the test (never skips it) when promtool is not installed. */
function requirePromtool(): Promise<void> {
  promtoolChecked ??= run('promtool', ['--version'], ROOT).then(({ missing, code, output }) => {
    if (missing || code !== 0) {
      throw new Error(
        `promtool is not installed (${missing ? 'not on PATH' : output.trim()}). It comes with Debian's \`prometheus\` package: ` +
          '`npm test` installs it (scripts/test.sh); to run this spec alone, `sudo apt-get install -y prometheus` first.',
      );
    }
  });
  return promtoolChecked;
}

/** Runs promtool from the repository root and fails with its whole output unless it exits 0. */
async function promtool(...args: string[]): Promise<string> {
  await requirePromtool();
  const { code, output } = await run('promtool', args, ROOT);
  if (code !== 0) throw new Error(`promtool ${args.join(' ')} exited with ${String(code)}:\n${output}`);
  return output;
}

// ---------------------------------------------------------------------------------------------
// The files

interface Target {
  readonly refId: string;
  readonly expr?: string;
  readonly legendFormat?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly uid: string;
  readonly schemaVersion: number;
  readonly __inputs?: readonly { readonly name: string; readonly type: string; readonly pluginId: string }[];
  readonly panels: readonly Panel[];
  readonly templating: {
    readonly list: readonly {
      readonly name: string;
      readonly type: string;
      readonly query?: string | { readonly query: string };
      readonly datasource?: { readonly uid?: string };
    }[];
  };
}

interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface RuleTests {
  readonly rule_files: readonly string[];
  readonly tests: readonly {
    readonly name?: string;
    readonly alert_rule_test?: readonly { readonly alertname: string; readonly exp_alerts?: readonly unknown[] }[];
  }[];
}

interface ScrapeConfig {
  readonly rule_files?: readonly string[];
  readonly scrape_configs: readonly {
    readonly job_name: string;
    readonly metrics_path?: string;
    readonly static_configs: readonly { readonly targets: readonly string[] }[];
  }[];
}

const text = (path: string): string => readFileSync(path, 'utf8');
const dashboard = JSON.parse(text(FILES.dashboard)) as Dashboard;
const alertRules: AlertRule[] = (parse(text(FILES.rules)) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);
const ruleTests = parse(text(FILES.ruleTests)) as RuleTests;
const scrapeConfig = parse(text(FILES.config)) as ScrapeConfig;

/** Every panel, those inside (collapsed) rows included. */
const allPanels = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queryPanels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');

/** A dashboard expression with Grafana's variables replaced, as Prometheus receives it. */
const asPromQL = (expr: string): string => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{?\w+\}?/g, '.+');

/**
 * A query variable's `label_values(<selector>, <label>)` (Grafana's, not PromQL) as its selector,
 * with the label as a template so that it is checked like a legend's.
 */
function variableQuery(name: string, query: string): { where: string; expr: string; templates: string } {
  const labelValues = /^\s*label_values\((.*),\s*(\w+)\s*\)\s*$/.exec(query);
  const [expr, label] = labelValues ? [labelValues[1] ?? '', labelValues[2] ?? ''] : [query, ''];
  return { where: `dashboard variable ${name}`, expr: asPromQL(expr), templates: label ? `{{${label}}}` : '' };
}

/** Every PromQL expression of the assets, with where it comes from; `legend` holds label templates. */
const expressions: { readonly where: string; readonly expr: string; readonly templates: string }[] = [
  ...queryPanels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `dashboard panel ${String(p.id)} "${p.title}" ${t.refId}`, expr: asPromQL(t.expr ?? ''), templates: t.legendFormat ?? '' })),
  ),
  ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => variableQuery(v.name, typeof v.query === 'string' ? v.query : (v.query?.query ?? ''))),
  ...alertRules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr, templates: Object.values(r.annotations ?? {}).join('\n') })),
];

// ---------------------------------------------------------------------------------------------
// Metric names and labels

/** The labels every scraped series carries; no metric may have one of its own (it would be renamed `exported_<name>`). */
const TARGET_LABELS = ['job', 'instance'];
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

/** The exported metric a series name belongs to (a histogram's `_bucket`, `_sum`, `_count` to the histogram). */
function exportedMetric(series: string): string | undefined {
  if (series in EXPORTED_METRICS) return series;
  const base = series.replace(HISTOGRAM_SUFFIX, '');
  return base !== series && base in EXPORTED_METRICS ? base : undefined;
}

/** The labels a query can use on a scraped series of an exported metric. */
function labelsOf(series: string): string[] {
  const metric = exportedMetric(series);
  if (metric === undefined) return [];
  return [...(EXPORTED_METRICS[metric] ?? []), ...TARGET_LABELS, ...(series.endsWith('_bucket') ? ['le'] : [])];
}

const METRIC_NAME = /\bkanshi_[a-z0-9_]+/g;
const namesIn = (source: string): string[] => [...new Set(source.match(METRIC_NAME) ?? [])];

describe('deploy/observability', () => {
  it('relies on no metric that has a label of the name Prometheus gives every scraped series', () => {
    const clashes = Object.entries(EXPORTED_METRICS).flatMap(([name, labels]) => labels.filter((l) => TARGET_LABELS.includes(l)).map((l) => `${name}{${l}}`));
    expect(clashes).toEqual([]);
  });

  describe('grafana-dashboard.json', () => {
    it('is a Grafana dashboard with a Prometheus data-source variable and job and instance variables', () => {
      expect(dashboard.uid).toBe('kanshi-own-health');
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
      const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
      expect(variables['datasource']).toMatchObject({ type: 'datasource', query: 'prometheus' });
      expect(variables['job']).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
      expect(variables['instance']).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
    });

    it('has unique panel ids, and every panel a Prometheus data source and at least one query', () => {
      const ids = allPanels(dashboard.panels).map((p) => p.id);
      expect(ids.every((id) => typeof id === 'number')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(queryPanels.length).toBeGreaterThan(0);
      for (const panel of queryPanels) {
        const where = `panel ${String(panel.id)} "${panel.title}"`;
        expect({ where, datasource: panel.datasource }).toEqual({ where, datasource: { type: 'prometheus', uid: '${datasource}' } });
        expect({ where, targets: (panel.targets ?? []).length > 0 }).toEqual({ where, targets: true });
        for (const target of panel.targets ?? []) {
          expect({ where, refId: target.refId, expr: (target.expr ?? '').trim().length > 0, datasource: target.datasource }).toEqual({
            where,
            refId: target.refId,
            expr: true,
            datasource: { type: 'prometheus', uid: '${datasource}' },
          });
        }
      }
    });

    it('has the rows of issue 17', () => {
      const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
      expect(rows).toEqual(['Engine', 'Queues', 'Alerts and notifications', 'HTTP', 'Process']);
    });

    it('queries in valid PromQL (each checked by promtool as a recording rule)', async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'kanshi-dashboard-'));
      try {
        const rules = expressions
          .filter((e) => e.where.startsWith('dashboard'))
          .map((e, i) => `      - record: dashboard:query_${i}\n        # ${e.where.replace(/\n/g, ' ')}\n        expr: ${JSON.stringify(e.expr)}`);
        const file = join(scratch, 'dashboard-queries.yml');
        writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
        await promtool('check', 'rules', file);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }, PROMTOOL_TIMEOUT_MS);
  });

  describe('prometheus-rules.yml', () => {
    it('passes promtool check rules', async () => {
      await promtool('check', 'rules', 'deploy/observability/prometheus-rules.yml');
    }, PROMTOOL_TIMEOUT_MS);

    it('gives every alert a severity, a summary, a description and its runbook anchor', () => {
      const alerts = alertRules.filter((r) => r.alert !== undefined);
      expect(alerts.length).toBe(alertRules.length);
      for (const rule of alerts) {
        const anchor = rule.alert!.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
        expect({
          alert: rule.alert,
          severity: ['critical', 'warning', 'info'].includes(rule.labels?.['severity'] ?? ''),
          summary: (rule.annotations?.['summary'] ?? '').length > 0,
          description: (rule.annotations?.['description'] ?? '').length > 0,
          runbook: rule.annotations?.['runbook'],
        }).toEqual({ alert: rule.alert, severity: true, summary: true, description: true, runbook: `docs/operations.md#${anchor}` });
      }
    });

    it('links every alert to an entry of the runbook in docs/operations.md, and the runbook to no other alert', () => {
      const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
      const entries = [...operations.matchAll(/<a id="([a-z0-9-]+)"><\/a>\n### (\w+) \((critical|warning|info)\)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
      const alerts = alertRules.map((r) => `${(r.annotations?.['runbook'] ?? '').split('#')[1]} ${r.alert} ${r.labels?.['severity']}`);
      expect(entries.sort()).toEqual(alerts.sort());
    });
  });

  describe('docs/operations.md', () => {
    it('documents every metric the apps export, with its labels', () => {
      const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
      const rows = new Map([...operations.matchAll(/^\| `(kanshi_[a-z0-9_]+)` \| \w+ \| ([^|]*) \|/gm)].map((m) => [m[1], [...(m[2] ?? '').matchAll(/`(\w+)`/g)].map((l) => l[1])]));
      const undocumented = Object.entries(EXPORTED_METRICS)
        .filter(([name]) => !/^kanshi_(process|nodejs)_/.test(name))
        .filter(([name, labels]) => JSON.stringify(rows.get(name)) !== JSON.stringify(labels))
        .map(([name, labels]) => `${name}{${labels.join(',')}}`);
      expect(undocumented).toEqual([]);
    });
  });

  describe('rules.test.yml', () => {
    it('passes promtool test rules', async () => {
      await promtool('test', 'rules', 'deploy/observability/rules.test.yml');
    }, PROMTOOL_TIMEOUT_MS);

    it('tests every alert firing and staying quiet', () => {
      expect(ruleTests.rule_files).toEqual(['prometheus-rules.yml']);
      const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
      const coverage = (name: string) => ({
        alert: name,
        fires: cases.some((c) => c.alertname === name && (c.exp_alerts ?? []).length > 0),
        quiet: cases.some((c) => c.alertname === name && (c.exp_alerts ?? []).length === 0),
      });
      const names = alertRules.map((r) => r.alert ?? '');
      expect(names.map(coverage)).toEqual(names.map((alert) => ({ alert, fires: true, quiet: true })));
      // And no case names an alert that does not exist (it would pass by never firing).
      expect(cases.map((c) => c.alertname).filter((name) => !names.includes(name))).toEqual([]);
    });
  });

  describe('prometheus.yml', () => {
    it('passes promtool check config, which loads the rules file beside it', async () => {
      const output = await promtool('check', 'config', 'deploy/observability/prometheus.yml');
      expect(output).toContain('prometheus-rules.yml');
    }, PROMTOOL_TIMEOUT_MS);

    it('scrapes /metrics of the four apps under the job names the rules use', () => {
      expect(scrapeConfig.rule_files).toEqual(['prometheus-rules.yml']);
      const jobs = scrapeConfig.scrape_configs.map((c) => ({ job: c.job_name, path: c.metrics_path ?? '/metrics', targets: c.static_configs.flatMap((s) => s.targets) }));
      expect(jobs).toEqual([
        { job: 'kanshi-api', path: '/metrics', targets: ['api:3000'] },
        { job: 'kanshi-ingest-gateway', path: '/metrics', targets: ['ingest-gateway:3001'] },
        { job: 'kanshi-policy-engine', path: '/metrics', targets: ['policy-engine:3002'] },
        { job: 'kanshi-alert-worker', path: '/metrics', targets: ['alert-worker:3003'] },
      ]);
      const jobNamesInRules = [...new Set(alertRules.flatMap((r) => [...r.expr.matchAll(/job=~?"([^"]+)"/g)].map((m) => m[1] as string)))];
      for (const name of jobNamesInRules) {
        expect({ name, scraped: jobs.some((j) => new RegExp(`^(?:${name})$`).test(j.job)) }).toEqual({ name, scraped: true });
      }
    });
  });

  describe('metrics', () => {
    it('uses only metric names Kanshi exports', () => {
      const unknown = Object.values(FILES).flatMap((file) =>
        namesIn(text(file))
          .filter((name) => exportedMetric(name) === undefined)
          .map((name) => `${file.slice(ROOT.length + 1)}: ${name}`),
      );
      expect(unknown).toEqual([]);
      // The check sees what it should: the dashboard and the rules do use Kanshi's metrics.
      expect(namesIn(text(FILES.dashboard)).length).toBeGreaterThan(20);
      expect(namesIn(text(FILES.rules)).length).toBeGreaterThan(10);
    });

    it('uses only labels the metrics carry, in selectors, groupings and templates', () => {
      const problems: string[] = [];
      for (const { where, expr, templates } of expressions) {
        const series = namesIn(expr);
        // Selectors: kanshi_x{label="…", …} checks each label against that metric.
        for (const [, name, matchers] of expr.matchAll(/\b(kanshi_[a-z0-9_]+)\s*\{([^}]*)\}/g)) {
          for (const [, label] of (matchers ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) {
            if (!labelsOf(name!).includes(label!)) problems.push(`${where}: ${name} has no label ${label}`);
          }
        }
        // by/without/on/ignoring/group_left/group_right clauses, legend and annotation templates:
        // each label must be one that some metric of the expression carries.
        const available = new Set([...TARGET_LABELS, ...series.flatMap(labelsOf)]);
        const grouped = [...expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) =>
          (m[1] ?? '')
            .split(',')
            .map((l) => l.trim())
            .filter(Boolean),
        );
        const templated = [...templates.matchAll(/\{\{\s*(?:\$labels\.)?([a-zA-Z_]\w*)\s*\}\}/g)].map((m) => m[1] as string);
        for (const label of [...grouped, ...templated]) {
          if (!available.has(label)) problems.push(`${where}: no metric of ${JSON.stringify(expr)} has the label ${label}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
