import { logLevel } from 'kafkajs';
import { TOPICS } from '@kanshi/contracts';
import { ConfigError, loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf } from '@kanshi/messaging';
import { withLocalKafkaPrincipal } from '../../infra/scripts/local-kafka';
import { assertSomeBrokerReachable } from './broker-probe';
import { parseDlqArgs, UsageError, USAGE } from './dlq-args';
import { inspectDeadLetters, replayDeadLetters } from './dlq-commands';

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const err = (text: string): void => void process.stderr.write(`${text}\n`);

/** Inspects the dead-letter topic or replays selected records; see {@link USAGE}. */
async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseDlqArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`dlq: ${error.message}\nRun with --help for usage.`);
    return 2;
  }
  if (command.command === 'help') {
    out(USAGE);
    return 0;
  }
  // On the local broker, the dead-letter tool signs in as the operator's principal.
  const config = loadConfig(withLocalKafkaPrincipal(process.env, 'kanshi-operator'));
  const debug = config.values.logLevel === 'debug' || config.values.logLevel === 'verbose';
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-dlq`);
  // The client logs every failed connection attempt; a command line wants one clear line.
  if (!debug) kafka.logger().setLogLevel(logLevel.NOTHING);
  const common = {
    dlqTopic: TOPICS.telemetryDeadLetter,
    onProgress: (read: number, planned: number) => err(`dlq: ${read} of ${planned} records read…`),
    onWarning: (message: string) => err(`dlq: warning: ${message}`),
  };
  try {
    await assertSomeBrokerReachable(config.values.kafkaBrokers);
    switch (command.command) {
      case 'inspect': {
        const result = await inspectDeadLetters(kafka, { ...common, ...command });
        out(result.report);
        return 0;
      }
      case 'replay': {
        const result = await replayDeadLetters(kafka, { ...common, ...command, targetTopic: TOPICS.telemetry });
        out(result.report);
        return 0;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const name = error instanceof Error ? error.name : '';
    const unreachable = /Connection|BrokerNotFound|NumberOfRetriesExceeded/.test(name);
    err(unreachable ? `dlq: Kafka error (KANSHI_KAFKA_BROKERS=${config.values.kafkaBrokers.join(',')}): ${message}` : `dlq: ${message}`);
    if (debug && error instanceof Error && error.stack) err(error.stack);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    err(error instanceof ConfigError ? error.message : `dlq: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env['KANSHI_LOG_LEVEL'] === 'debug' && error instanceof Error && error.stack) err(error.stack);
    process.exitCode = 1;
  },
);
