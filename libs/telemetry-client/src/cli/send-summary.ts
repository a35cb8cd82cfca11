import { describeIssues, type ValidationIssue } from '@kanshi/contracts';

/** Line numbers kept per group, reasons kept, and unparsable lines described: the summary stays small. */
const LINES_PER_GROUP = 5;
const MAX_GROUPS = 50;
const UNPARSABLE_SAMPLES = 10;

interface Group {
  count: number;
  readonly lines: number[];
}

/** Counts by reason, keeping the first few line numbers of each. */
class Groups {
  private readonly groups = new Map<string, Group>();
  total = 0;

  add(reason: string, line: number): void {
    this.total += 1;
    const key = this.groups.has(reason) || this.groups.size < MAX_GROUPS ? reason : 'other reasons';
    const group = this.groups.get(key) ?? { count: 0, lines: [] };
    group.count += 1;
    if (group.lines.length < LINES_PER_GROUP) group.lines.push(line);
    this.groups.set(key, group);
  }

  format(): string[] {
    return [...this.groups.entries()]
      .sort(([, a], [, b]) => b.count - a.count)
      .map(([reason, g]) => {
        const lines = `line${g.count > 1 ? 's' : ''} ${g.lines.join(', ')}${g.count > g.lines.length ? ', …' : ''}`;
        return `    ${g.count} × ${reason} (${lines})`;
      });
  }
}

/** The reason an event was refused, as one line: the dead-letter reason (when known) and the first issue. */
export function rejectionReason(issues: readonly ValidationIssue[], reason?: string): string {
  const first = describeIssues(issues.slice(0, 1)) || 'rejected';
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  return `${reason ? `${reason} ` : ''}${first}${more}`;
}

/** What `kanshi send` did, line by line, in constant memory. */
export class SendSummary {
  /** Lines that were not blank. */
  read = 0;
  blank = 0;
  sent = 0;
  readonly rejected = new Groups();
  readonly unsent = new Groups();
  unparsable = 0;
  private readonly unparsableSamples: string[] = [];
  /** Why sending stopped before the end of the file, if it did. */
  stoppedEarly: string | undefined;

  addUnparsable(line: number, message: string): void {
    this.unparsable += 1;
    if (this.unparsableSamples.length < UNPARSABLE_SAMPLES) this.unparsableSamples.push(`    line ${line}: ${message}`);
  }

  /** Whether everything read was sent. */
  get ok(): boolean {
    return this.rejected.total === 0 && this.unsent.total === 0 && this.unparsable === 0 && this.stoppedEarly === undefined;
  }

  format(target: string): string {
    const out = [`kanshi send → ${target}`];
    out.push(`  read        ${this.read} line${this.read === 1 ? '' : 's'}${this.blank > 0 ? ` (and ${this.blank} blank)` : ''}`);
    out.push(`  sent        ${this.sent}`);
    out.push(`  rejected    ${this.rejected.total}`, ...this.rejected.format());
    out.push(`  unparsable  ${this.unparsable}`, ...this.unparsableSamples);
    if (this.unparsable > this.unparsableSamples.length) out.push(`    … and ${this.unparsable - this.unparsableSamples.length} more`);
    out.push(`  unsent      ${this.unsent.total}`, ...this.unsent.format());
    if (this.stoppedEarly) out.push(`  stopped early: ${this.stoppedEarly}`);
    return `${out.join('\n')}\n`;
  }
}
