import { defaultArgsOf, getSectorModuleOptions, windowSpecOf, type RuleDefinition, type SectorModuleOptions } from '@kanshi/policy-sdk';

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
    '| Severity | Reads | Window | Auto-resolves | Source |',
    '|---|---|---|---|---|',
    `| ${rule.defaultSeverity} | ${reads} | ${window} | ${rule.recovery ? `after ${rule.recovery.clearFor} clear` : 'no'} | ${cell(rule.source)} |`,
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
