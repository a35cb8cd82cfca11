/*
 * Sends a model's telemetry to Kanshi and prints what became of each event.
 *
 *   Kafka:    KANSHI_KAFKA_BROKERS=127.0.0.1:9092 KANSHI_INGEST_KEY=kanshi_ingest_… node send-events.js
 *             (TLS and SASL from KANSHI_KAFKA_SASL_* and KANSHI_KAFKA_TLS*, as Kanshi's apps read them)
 *   Gateway:  KANSHI_GATEWAY_URL=http://127.0.0.1:3001 KANSHI_API_KEY=kanshi_… node send-events.js
 *
 * KANSHI_TENANT and KANSHI_MODEL name the tenant and the model (default demo, credit-scoring-v3);
 * KANSHI_TELEMETRY_TOPIC writes to another topic than kanshi.telemetry.v1 (Kafka only, for tests).
 * Exit code 0 when every event was accepted.
 */
import {
  eventBuilders,
  TelemetryClient,
  kafkaSecurityFromEnv,
  TelemetryValidationError,
  type TelemetryClientOptions,
} from '@kanshi/telemetry-client';

function destination(env: NodeJS.ProcessEnv): TelemetryClientOptions {
  const gateway = env['KANSHI_GATEWAY_URL'];
  if (gateway) return { gateway: { url: gateway, apiKey: env['KANSHI_API_KEY'] ?? '' } };
  const topic = env['KANSHI_TELEMETRY_TOPIC'];
  return {
    kafka: {
      brokers: (env['KANSHI_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      ingestKey: env['KANSHI_INGEST_KEY'] ?? '',
      ...kafkaSecurityFromEnv(env),
      ...(topic ? { topic } : {}),
    },
  };
}

async function main(): Promise<number> {
  // flushOnSignals: Ctrl-C still delivers what is queued before the process ends.
  const client = new TelemetryClient({ ...destination(process.env), flushOnSignals: true });
  const events = eventBuilders({
    tenant_id: process.env['KANSHI_TENANT'] ?? 'demo',
    model_id: process.env['KANSHI_MODEL'] ?? 'credit-scoring-v3',
    model_version: '3.4.1',
    sector: 'finance',
  });

  // Each builder fills event_id, timestamp and schema_version, and checks the contract.
  const deliveries = [
    client.send(events.model_deployment({ payload: { version: '3.4.1', approval_status: 'approved', risk_tier: 'T1' } })),
    client.send(events.prediction({ payload: { input_hash: 'a3f1c2d4e5b6', score: 0.71, decision: 'approve' } })),
    client.send(events.drift_metric({ payload: { feature: 'annual_income', metric: 'psi', value: 0.31, window: '24h' } })),
    client.send(events.performance_metric({ payload: { metric: 'auc', value: 0.78, n: 5000, window: '7d' } })),
  ];

  // An event from elsewhere (a file, another service) is checked by send() before it is queued:
  // this one has a metric that is not psi, ks or js, and no value.
  const fromElsewhere = { ...events.drift_metric({ payload: { feature: 'age', metric: 'ks', value: 0.1 } }), payload: { feature: 'age', metric: 'emd' } };
  try {
    void client.send(fromElsewhere);
  } catch (error) {
    if (!(error instanceof TelemetryValidationError)) throw error;
    for (const issue of error.issues) console.log(`not sent: ${issue.pointer} ${issue.rule} ${JSON.stringify(issue.expected ?? null)}`);
  }

  // close() sends what is queued, waits for the answers, then disconnects.
  await client.close();
  const reports = await Promise.all(deliveries);
  for (const report of reports) {
    const detail = report.status === 'rejected' ? ` ${JSON.stringify(report.errors)}` : report.status === 'failed' ? ` ${report.error.message}` : '';
    console.log(`${report.event.event_type} ${report.event.event_id}: ${report.status}${detail}`);
  }
  const accepted = reports.filter((r) => r.status === 'accepted').length;
  console.log(`${accepted} of ${reports.length} events accepted (${client.transport.description})`);
  return accepted === reports.length ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
