import { DEAD_LETTER_REASONS, TOPICS } from '@kanshi/contracts';
import type { DeadLetterFilter } from './dead-letter';

/** A mistake on the command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: node dist/tools/dlq/dlq.js <command> [options]

Inspect the dead-letter topic ${TOPICS.telemetryDeadLetter} and replay selected records to
${TOPICS.telemetry}. Reads never commit offsets (a throwaway consumer group, deleted at the end)
and stop at the end of the topic as it was when the command started.

Commands:
  inspect   Count dead letters by reason and by original topic, with sample errors.
  replay    Re-produce the original key and value of selected dead letters to the telemetry
            topic, with header kanshi-replayed-from=<dlq topic>/<partition>/<offset>.

inspect options:
  --since <time>       Only records written at or after <time>: an ISO time
                       (2025-01-31T09:00:00Z) or a duration ago (30s, 15m, 1h, 2d, 1w).
  --reason <code>      Only this reason: ${DEAD_LETTER_REASONS.slice(0, 4).join(', ')},
                       ${DEAD_LETTER_REASONS.slice(4).join(', ')}.
  --samples <n>        Sample errors shown per reason (default 3, 0 for none).

replay options (--reason or --key-prefix is required):
  --reason <code>      Only this reason.
  --key-prefix <text>  Only records whose key starts with <text> (for example "tenant-a:").
  --since <time>       Only records written at or after <time>.
  --until <time>       Only records written before <time>.
  --limit <n>          Replay at most <n> records.
  --rate <n>           Replay at most <n> records a second. The engine meters each tenant's
                       events by their arrival (KANSHI_QUOTA_EVENTS_PER_MINUTE): replay
                       QUOTA_EXCEEDED records below the tenant's quota, or they are refused again.
  --dry-run            Count what would be replayed; write nothing.

Other:
  -h, --help           Show this help.

Kafka brokers come from KANSHI_KAFKA_BROKERS. KANSHI_LOG_LEVEL=debug shows Kafka client logs and
error stacks.
Exit codes: 0 done, 1 Kafka or runtime error, 2 bad command line.`;

export interface HelpCommand {
  readonly command: 'help';
}

export interface InspectCommand {
  readonly command: 'inspect';
  /** Epoch milliseconds. */
  readonly since?: number;
  readonly reason?: string;
  readonly samples: number;
}

export interface ReplayCommand {
  readonly command: 'replay';
  readonly filter: DeadLetterFilter;
  readonly dryRun: boolean;
  readonly limit?: number;
}

export type DlqCommand = HelpCommand | InspectCommand | ReplayCommand;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `1h`, `30m` … (that long before `now`) or an ISO time, as epoch milliseconds. */
export function parseTime(flag: string, raw: string, now: number): number {
  const duration = /^(\d+)([smhdw])$/.exec(raw);
  if (duration) return now - Number(duration[1]) * (DURATION_UNITS_MS[duration[2] ?? ''] ?? 0);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    const time = Date.parse(raw);
    if (!Number.isNaN(time)) return time;
  }
  throw new UsageError(`${flag} ${JSON.stringify(raw)}: expected an ISO time (2025-01-31T09:00:00Z) or a duration (30s, 15m, 1h, 2d, 1w)`);
}

function parseCount(flag: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)}: expected a whole number ≥ ${min}`);
  }
  return Number(raw);
}

function parseReason(raw: string): string {
  if (!(DEAD_LETTER_REASONS as readonly string[]).includes(raw)) {
    throw new UsageError(`--reason ${JSON.stringify(raw)}: unknown reason; expected one of ${DEAD_LETTER_REASONS.join(', ')}`);
  }
  return raw;
}

const FLAGS = {
  inspect: { valued: ['--since', '--reason', '--samples'], switches: [] },
  replay: { valued: ['--reason', '--key-prefix', '--since', '--until', '--limit', '--rate'], switches: ['--dry-run'] },
} as const satisfies Record<string, { valued: readonly string[]; switches: readonly string[] }>;

/** Splits `--flag value`, `--flag=value` and switches, refusing anything the command does not take. */
function readFlags(command: keyof typeof FLAGS, args: readonly string[]): Map<string, string> {
  const valued: readonly string[] = FLAGS[command].valued;
  const switches: readonly string[] = FLAGS[command].switches;
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!name.startsWith('-')) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(arg)}`);
    if (flags.has(name)) throw new UsageError(`${command}: ${name} given twice`);
    if (switches.includes(name)) {
      if (eq > 0) throw new UsageError(`${command}: ${name} takes no value`);
      flags.set(name, '');
    } else if (valued.includes(name)) {
      let value: string | undefined;
      if (eq > 0) {
        value = arg.slice(eq + 1);
      } else {
        i += 1;
        value = args[i];
      }
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
        throw new UsageError(`${command}: ${name} needs a value`);
      }
      flags.set(name, value);
    } else {
      throw new UsageError(`${command}: unknown option ${name}; it takes ${[...valued, ...switches].join(', ')}`);
    }
  }
  return flags;
}

/** Parses the command line (without `node` and the script path). Throws {@link UsageError}. */
export function parseDlqArgs(argv: readonly string[], now = Date.now()): DlqCommand {
  if (argv.length === 0) throw new UsageError('missing command: inspect or replay');
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect': {
      const flags = readFlags('inspect', rest);
      const since = flags.get('--since');
      const reason = flags.get('--reason');
      const samples = flags.get('--samples');
      return {
        command: 'inspect',
        ...(since !== undefined ? { since: parseTime('--since', since, now) } : {}),
        ...(reason !== undefined ? { reason: parseReason(reason) } : {}),
        samples: samples !== undefined ? parseCount('--samples', samples, 0) : 3,
      };
    }
    case 'replay': {
      const flags = readFlags('replay', rest);
      const reason = flags.get('--reason');
      const keyPrefix = flags.get('--key-prefix');
      const since = flags.get('--since');
      const until = flags.get('--until');
      const limit = flags.get('--limit');
      const rate = flags.get('--rate');
      if (reason === undefined && keyPrefix === undefined) {
        throw new UsageError(
          'replay: give --reason and/or --key-prefix, so only records whose cause is fixed go back to the telemetry topic ' +
            '(run `inspect` to see what is there)',
        );
      }
      const filter: DeadLetterFilter = {
        ...(reason !== undefined ? { reason: parseReason(reason) } : {}),
        ...(keyPrefix !== undefined ? { keyPrefix } : {}),
        ...(since !== undefined ? { since: parseTime('--since', since, now) } : {}),
        ...(until !== undefined ? { until: parseTime('--until', until, now) } : {}),
      };
      if (filter.since !== undefined && filter.until !== undefined && filter.until <= filter.since) {
        throw new UsageError('replay: --until must be later than --since');
      }
      return {
        command: 'replay',
        filter,
        dryRun: flags.has('--dry-run'),
        ...(limit !== undefined ? { limit: parseCount('--limit', limit, 1) } : {}),
        ...(rate !== undefined ? { rate: parseCount('--rate', rate, 1) } : {}),
      };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: expected inspect or replay`);
  }
}
