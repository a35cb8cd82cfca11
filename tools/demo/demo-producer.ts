import { parseIngestKey, SIGNATURE_HEADER, signTelemetryRecord, TOPICS, telemetryKey } from '@kanshi/contracts';
import { loadConfig } from '@kanshi/config';
import { createKafkaClient, kafkaConnectionOf, TELEMETRY_PARTITIONER } from '@kanshi/messaging';
import { demoEvent } from './demo-events';
import { DEMO_MODELS } from './demo-models';

const EVENTS_PER_SECOND = 20;
const MALFORMED_EVERY = 200;

/**
 * Streams demo telemetry into Kafka with a plain kafkajs producer, like an MLOps team would,
 * each record signed with the demo tenant's ingest key:
 * the registered models, a shadow model nobody registered (G1), and now and then a malformed
 * record (dead-lettered). Stops on SIGINT or SIGTERM.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // The demo tenant's ingest key (npm start passes it): Kanshi refuses records nobody signed.
  const credential = parseIngestKey(process.env['KANSHI_INGEST_KEY'] ?? '');
  if (!credential) throw new Error('KANSHI_INGEST_KEY must hold the demo tenant\'s ingest key (kanshi_ingest_…)');
  const signed = (key: string, value: string) => ({ key, value, headers: { [SIGNATURE_HEADER]: signTelemetryRecord(credential, key, value) } });
  const kafka = createKafkaClient(kafkaConnectionOf(config), `${config.values.kafkaClientId}-demo-producer`);
  const producer = kafka.producer({ createPartitioner: TELEMETRY_PARTITIONER, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let sent = 0;
  let stopping = false;
  const tick = async (): Promise<void> => {
    const messages = Array.from({ length: EVENTS_PER_SECOND / 4 }, () => {
      sent += 1;
      if (sent % MALFORMED_EVERY === 0) return signed('demo:broken-exporter', '{"event_type": "prediction", "oops": ');
      const event = demoEvent(DEMO_MODELS[Math.floor(Math.random() * DEMO_MODELS.length)] ?? DEMO_MODELS[0]!);
      return signed(telemetryKey(event.tenant_id, event.model_id), JSON.stringify(event));
    });
    await producer.send({ topic: TOPICS.telemetry, acks: -1, messages });
  };
  const timer = setInterval(() => {
    if (!stopping) tick().catch((error: unknown) => process.stderr.write(`demo producer: ${String(error)}\n`));
  }, 250);
  const report = setInterval(() => process.stdout.write(`demo producer: ${sent} events sent\n`), 30_000);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    clearInterval(report);
    void producer.disconnect().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`demo producer: streaming ~${EVENTS_PER_SECOND} events/s to ${TOPICS.telemetry}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo producer could not start: ${String(error)}\n`);
  process.exit(1);
});
