// Integration and end-to-end tests run against the real servers brought up by
// `npm run infra:up`, on the test database and a queue prefix of their own, so a running
// `npm start` and its data are never touched. They connect as the apps do (KANSHI_DATABASE_URL,
// the least-privilege role); what must change the schema uses KANSHI_DATABASE_MIGRATION_URL.
import { loadConfig } from '@kanshi/config';
import { withLocalKafkaPrincipal } from '../infra/scripts/local-kafka';

const withTestSuffix = (value: string): string => {
  const url = new URL(value);
  if (!url.pathname.endsWith('_test')) url.pathname = `${url.pathname}_test`;
  return url.toString();
};
const { databaseUrl, databaseMigrationUrl } = loadConfig({ ...process.env, NODE_ENV: 'test', KANSHI_DEV_API_KEY: '' }).values;
process.env['KANSHI_DATABASE_URL'] = withTestSuffix(databaseUrl);
process.env['KANSHI_DATABASE_MIGRATION_URL'] = withTestSuffix(databaseMigrationUrl);
process.env['KANSHI_QUEUE_PREFIX'] = process.env['KANSHI_TEST_QUEUE_PREFIX'] ?? 'kanshi-test';
process.env['KANSHI_LOG_LEVEL'] = process.env['KANSHI_LOG_LEVEL'] ?? 'warn';
process.env['NODE_ENV'] = 'test';
// The tests produce tens of thousands of events of one tenant within seconds to prove other
// things (no loss through outages and kills); the quota specs set the quotas they test.
process.env['KANSHI_QUOTA_EVENTS_PER_MINUTE'] = process.env['KANSHI_QUOTA_EVENTS_PER_MINUTE'] ?? '100000000';
// Engines and workers started by the tests (several at once) take any free port for their operations endpoint.
process.env['KANSHI_ENGINE_HTTP_PORT'] = process.env['KANSHI_ENGINE_HTTP_PORT'] ?? '0';
process.env['KANSHI_WORKER_HTTP_PORT'] = process.env['KANSHI_WORKER_HTTP_PORT'] ?? '0';
// The local broker authenticates every client: the tests' own clients sign in as its super
// user; the harness runs each app as the app's own principal (test/e2e/kanshi-harness.ts).
if (!process.env['KANSHI_KAFKA_SASL_MECHANISM']) {
  const withAdmin = withLocalKafkaPrincipal(process.env, 'kanshi-admin');
  if (withAdmin['KANSHI_KAFKA_SASL_MECHANISM']) {
    Object.assign(process.env, withAdmin);
    process.env['KANSHI_TEST_LOCAL_KAFKA'] = '1';
  }
}
