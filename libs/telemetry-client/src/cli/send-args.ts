import { parseArgs } from 'node:util';
import { parseIngestKey, TOPICS } from '@kanshi/contracts';
import { errorMessage } from '../errors';
import { telemetryEndpoint } from '../http-transport';
import { kafkaSecurityFromEnv, type KafkaSecurity } from '../kafka-security';

/** A mistake on the command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_CLI_BATCH = 500;

export const USAGE = `Usage: kanshi send <file.jsonl> (--kafka <brokers> | --gateway <url>) [options]

Streams a file of telemetry events, one JSON event per line, to Kanshi: straight to Kafka
(topic ${TOPICS.telemetry}, key tenant_id:model_id) or through the ingest gateway
(POST /v1/telemetry). Each event is checked against the telemetry contract v1 first. The file
is read as it is sent, never whole; "-" reads standard input.

Where to send (one of):
  --kafka <brokers>    Kafka bootstrap brokers, comma-separated host:port (127.0.0.1:9092).
  --gateway <url>      The ingest gateway (http://127.0.0.1:3001).

Options:
  --api-key <key>      API key (role producer) for --gateway; default: $KANSHI_API_KEY.
  --ingest-key <key>   The tenant's ingest key for --kafka (kanshi_ingest_…): every record is
                       signed with it; default: $KANSHI_INGEST_KEY. An admin makes one with
                       POST /v1/ingest-keys.
  --topic <name>       Kafka topic (default ${TOPICS.telemetry}); for tests and staging.
  --rate <n>           Send at most <n> events per second.
  --batch <n>          Events per batch (default ${DEFAULT_CLI_BATCH}).
  -h, --help           Show this help.

Kafka security for --kafka comes from the environment, as for Kanshi's own apps:
KANSHI_KAFKA_SASL_MECHANISM (none, scram-sha-512, scram-sha-256, plain) with
KANSHI_KAFKA_SASL_USERNAME and KANSHI_KAFKA_SASL_PASSWORD; KANSHI_KAFKA_TLS=true with
KANSHI_KAFKA_TLS_CA_FILE, and KANSHI_KAFKA_TLS_CERT_FILE with KANSHI_KAFKA_TLS_KEY_FILE (mTLS).

Progress goes to standard error (a bar on a terminal, a line every few seconds otherwise); the
summary goes to standard output: lines read, events sent, events rejected by reason with their
line numbers, unparsable lines. Sending stops at the first batch that cannot be delivered after
retries. Ctrl-C stops reading, sends what is queued and prints the summary.
Exit codes: 0 every event sent, 1 some line rejected, unparsable or unsent (or the file could
not be read), 2 bad command line.`;

export type SendTarget =
  | { readonly kind: 'kafka'; readonly brokers: readonly string[]; readonly topic: string; readonly ingestKey: string; readonly security: KafkaSecurity }
  | { readonly kind: 'gateway'; readonly url: string; readonly apiKey: string };

export interface SendCommand {
  readonly command: 'send';
  /** A path, or `-` for standard input. */
  readonly file: string;
  readonly target: SendTarget;
  readonly rate?: number;
  readonly batch: number;
}

export type KanshiCommand = { readonly command: 'help' } | SendCommand;

function wholeNumber(flag: string, raw: string, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) throw new UsageError(`${flag} ${JSON.stringify(raw)}: expected a whole number from 1 to ${max}`);
  return value;
}

function brokerList(raw: string): string[] {
  const brokers = raw.split(',').map((b) => b.trim());
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      throw new UsageError(`--kafka ${JSON.stringify(raw)}: expected comma-separated host:port`);
    }
  }
  return brokers;
}

function gatewayUrl(raw: string): string {
  try {
    telemetryEndpoint(raw);
  } catch {
    throw new UsageError(`--gateway ${JSON.stringify(raw)}: expected an http(s) URL such as http://127.0.0.1:3001`);
  }
  return raw;
}

/** Parses the command line (without `node` and the script). Throws {@link UsageError}. */
export function parseKanshiArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): KanshiCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        kafka: { type: 'string' },
        gateway: { type: 'string' },
        'api-key': { type: 'string' },
        'ingest-key': { type: 'string' },
        topic: { type: 'string' },
        rate: { type: 'string' },
        batch: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'help' };
  const [command, file, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command: send');
  if (command !== 'send') throw new UsageError(`unknown command ${JSON.stringify(command)}: expected send`);
  if (file === undefined) throw new UsageError('send: missing the file to send (a path, or - for standard input)');
  if (extra.length > 0) throw new UsageError(`send: unexpected argument ${JSON.stringify(extra[0])}`);
  if ((values.kafka === undefined) === (values.gateway === undefined)) throw new UsageError('send: give exactly one of --kafka and --gateway');

  let target: SendTarget;
  if (values.kafka !== undefined) {
    if (values['api-key'] !== undefined) throw new UsageError('send: --api-key goes with --gateway, not --kafka');
    const ingestKey = values['ingest-key'] ?? env['KANSHI_INGEST_KEY'];
    if (!ingestKey) throw new UsageError('send: --kafka needs the tenant\'s ingest key: --ingest-key <key> or KANSHI_INGEST_KEY (an admin makes one with POST /v1/ingest-keys)');
    if (!parseIngestKey(ingestKey)) throw new UsageError('send: the ingest key is not of the form kanshi_ingest_<12 hex>_<43 url-safe characters>');
    let security: KafkaSecurity;
    try {
      security = kafkaSecurityFromEnv(env);
    } catch (error) {
      throw new UsageError(`send: ${errorMessage(error)}`);
    }
    target = { kind: 'kafka', brokers: brokerList(values.kafka), topic: values.topic ?? TOPICS.telemetry, ingestKey, security };
  } else {
    if (values.topic !== undefined) throw new UsageError('send: --topic goes with --kafka; the gateway always writes to its own topic');
    if (values['ingest-key'] !== undefined) throw new UsageError('send: --ingest-key goes with --kafka; the gateway signs for the tenant of the API key');
    const apiKey = values['api-key'] ?? env['KANSHI_API_KEY'];
    if (!apiKey) throw new UsageError('send: --gateway needs an API key: --api-key <key> or KANSHI_API_KEY');
    target = { kind: 'gateway', url: gatewayUrl(values.gateway ?? ''), apiKey };
  }
  return {
    command: 'send',
    file,
    target,
    ...(values.rate !== undefined ? { rate: wholeNumber('--rate', values.rate, 1_000_000) } : {}),
    batch: values.batch !== undefined ? wholeNumber('--batch', values.batch, 10_000) : DEFAULT_CLI_BATCH,
  };
}
