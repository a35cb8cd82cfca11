// Integration and end-to-end tests run against the real servers brought up by
// `npm run infra:up`, on the test database and a queue prefix of their own, so a running
// `npm start` and its data are never touched.
import { withLocalKafkaPrincipal } from '../infra/scripts/local-kafka';

const base = process.env['KANSHI_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/kanshi';
const url = new URL(base);
if (!url.pathname.endsWith('_test')) url.pathname = `${url.pathname}_test`;
process.env['KANSHI_DATABASE_URL'] = url.toString();
process.env['KANSHI_QUEUE_PREFIX'] = process.env['KANSHI_TEST_QUEUE_PREFIX'] ?? 'kanshi-test';
process.env['KANSHI_LOG_LEVEL'] = process.env['KANSHI_LOG_LEVEL'] ?? 'warn';
process.env['NODE_ENV'] = 'test';
// Engines started by the tests (several at once) take any free port for their operations endpoint.
process.env['KANSHI_ENGINE_HTTP_PORT'] = process.env['KANSHI_ENGINE_HTTP_PORT'] ?? '0';
// The local broker authenticates every client: the tests' own clients sign in as its super
// user; the harness runs each app as the app's own principal (test/e2e/kanshi-harness.ts).
if (!process.env['KANSHI_KAFKA_SASL_MECHANISM']) {
  const withAdmin = withLocalKafkaPrincipal(process.env, 'kanshi-admin');
  if (withAdmin['KANSHI_KAFKA_SASL_MECHANISM']) {
    Object.assign(process.env, withAdmin);
    process.env['KANSHI_TEST_LOCAL_KAFKA'] = '1';
  }
}
