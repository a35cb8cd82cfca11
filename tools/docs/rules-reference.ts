import {
  defaultArgsOf,
  durationMs,
  getSectorModuleOptions,
  judgesModelsOutsideInventory,
  MAX_STATE_BYTES,
  STATE_LIMIT_SCOPE,
  windowSpecOf,
  type RuleDefinition,
  type SectorModuleOptions,
} from '@kanshi/policy-sdk';

/** Where the rules reference is committed, from the repository root. */
export const RULES_REFERENCE_PATH = 'docs/rules.md';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function argumentRows(rule: RuleDefinition): string[] {
  const defaults = defaultArgsOf(rule);
  const properties = rule.args.properties as Record<string, { description?: string }>;
  return Object.entries(properties).map(
    ([name, schema]) => `| \`${name}\` | \`${JSON.stringify(defaults[name])}\` | ${cell(schema.description ?? '')} |`,
  );
}

function ruleSection(rule: RuleDefinition): string {
  const reads = rule.reads === 'all' ? 'every event type' : rule.reads.map((t) => `\`${t}\``).join(', ');
  const spec = windowSpecOf(rule);
  const window = spec
    ? `${spec.kind} ${spec.size}` +
      (spec.minSamples !== undefined ? `, minSamples ${spec.minSamples}` : '') +
      (spec.lateness !== undefined ? `, events up to ${spec.lateness} late` : '')
    : '—';
  const lines = [
    `### ${rule.id} — ${rule.title}`,
    '',
    cell(rule.rationale),
    '',
    '| Severity | Reads | Window | Auto-resolves | Models outside the inventory | Source |',
    '|---|---|---|---|---|---|',
    `| ${rule.defaultSeverity} | ${reads} | ${window} | ${rule.recovery ? (durationMs(rule.recovery.clearFor) === 0 ? 'when judged clear' : `after ${rule.recovery.clearFor} clear`) : 'no'} | ` +
      `${judgesModelsOutsideInventory(rule) ? 'judged' : 'not judged (keeps state)'} | ${cell(rule.source)} |`,
    '',
  ];
  const rows = argumentRows(rule);
  if (rows.length > 0) lines.push('| Argument | Default | Meaning |', '|---|---|---|', ...rows, '');
  return lines.join('\n');
}

/** The rules reference of the given sector modules, as Markdown, from their metadata only. */
export function rulesReference(moduleClasses: readonly unknown[]): string {
  const modules = moduleClasses.map((m) => getSectorModuleOptions(m)).filter((m): m is SectorModuleOptions => m !== undefined);
  const count = modules.reduce((n, m) => n + m.rules.length, 0);
  const parts = [
    '# Rules reference',
    '',
    `Generated from the rules' own metadata by \`npm run docs:rules\`; a test fails when this file is out of date.`,
    `${count} rules in ${modules.length} modules. Arguments are defaults a tenant can override; alerts show the values in force.`,
    'Severities: critical = block or page now; high = page within hours; medium = ticket; low = periodic report.',
    '',
    'Rules that keep state judge only models in the inventory, so telemetry for made-up model ids costs the engine',
    'no memory; a model registered later starts their windows afresh. Models outside the inventory are judged by the stateless',
    'rules (G1 reports them), which keep nothing and set no timer for them. Rule state is bounded: every map keyed by telemetry (trace ids, incident ids, features, subgroups',
    `…) has a cap, given below as an argument (\`max…\`), and a rule that reaches one says so in a finding of scope`,
    `\`${STATE_LIMIT_SCOPE}\` (medium, once a day per kind); lists that only remember what was already reported keep the`,
    'newest entries (hundreds per model) and forget the oldest; state with no pending timer that no event touched for',
    '`KANSHI_RULE_STATE_IDLE_DAYS` (90 days of event time) is dropped; and a state record over',
    `\`KANSHI_RULE_STATE_MAX_BYTES\` (${MAX_STATE_BYTES / 1024} KiB of JSON) is logged as the rule's failure and reset.`,
    '',
    'Every finding shows what was seen in `observed`, beside the arguments in force, in one shape for every module: an object',
    'with snake_case keys (the API\'s spelling), times as ISO 8601 in UTC, and a judged window as `window_start` and',
    '`window_end` (end exclusive). A clock rule\'s finding also carries the legal deadline, which the alert shows as `due_at`.',
    '',
    '**Low volume.** A rule that judges a share (coverage such as G5, G6, F3, F11, M10; a rate such as G9, F8, M6) judges',
    'it as it is from `minSamples` samples in the window on. With fewer, a window is judged only when its sample is',
    'conclusive at 95 % (Wilson score bound): 30 unlabelled answers of 30 fire G5, 1 of 30 does not. Any other window is',
    'reported as *insufficient data*: neither a finding nor a pass, and the model\'s posture lists the rule as not judged',
    '(`rules.insufficient_data`), never as passing. `observed` then adds `min_samples` and `judged_by` (`wilson_upper_95`,',
    '`wilson_lower_95` or `too_few_samples`). Windowed rules that compare means, distributions or baselines (G2, G3, G4,',
    'G10, F5, F6, M4, M11) judge nothing in a window under their `minSamples`.',
    '',
    '**Decided where the brief is silent.**',
    '',
    '- G5 counts generated content that people see: a prediction with `customer_facing: false` (a draft for staff, an',
    '  internal summary) is left out; one without the field counts, as F11 counts it.',
    '- M6: any off-label input (a `use_scope` outside the approved ones) fires M6 at `offLabelSeverity` (high), however',
    '  small its share: off-label use breaks the approval itself. The 2 % tolerance is for inputs outside the validated',
    '  population (`out_of_distribution`).',
    '- Calendar windows (G10\'s months, F6\'s quarters) are counted in Japan time (UTC+9) by default; a tenant that keeps',
    '  another calendar sets the rules\' `utcOffsetMinutes` argument with a tenant-scope override. Windows of fixed length',
    '  (an hour, a day, seven days) are counted in UTC.',
    '',
  ];
  for (const module of modules) {
    const sectors = module.sectors === 'all' ? 'every model' : module.sectors.join(', ');
    parts.push(`## ${module.id}`, '', `${cell(module.description).replace(/\.?$/, '.')} Judges: ${sectors}.`, '');
    parts.push('| Rule | Title | Severity |', '|---|---|---|');
    for (const rule of module.rules) parts.push(`| [${rule.id}](#${anchor(rule)}) | ${cell(rule.title)} | ${rule.defaultSeverity} |`);
    parts.push('');
    for (const rule of module.rules) parts.push(ruleSection(rule));
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

/** GitHub's heading anchor for a rule's section. */
function anchor(rule: RuleDefinition): string {
  return `${rule.id} — ${rule.title}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}
