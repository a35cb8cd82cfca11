import {
  defaultArgsOf,
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
      (spec.minSamples !== undefined ? `, at least ${spec.minSamples} samples` : '') +
      (spec.lateness !== undefined ? `, events up to ${spec.lateness} late` : '')
    : '—';
  const lines = [
    `### ${rule.id} — ${rule.title}`,
    '',
    cell(rule.rationale),
    '',
    '| Severity | Reads | Window | Auto-resolves | Models outside the inventory | Source |',
    '|---|---|---|---|---|---|',
    `| ${rule.defaultSeverity} | ${reads} | ${window} | ${rule.recovery ? `after ${rule.recovery.clearFor} clear` : 'no'} | ` +
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
