// Integration and end-to-end tests run against the real servers brought up by
// `npm run infra:up`, on the test database and a queue prefix of their own, so a running
// `npm start` and its data are never touched.
const base = process.env['KANSHI_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/kanshi';
const url = new URL(base);
if (!url.pathname.endsWith('_test')) url.pathname = `${url.pathname}_test`;
process.env['KANSHI_DATABASE_URL'] = url.toString();
process.env['KANSHI_QUEUE_PREFIX'] = process.env['KANSHI_TEST_QUEUE_PREFIX'] ?? 'kanshi-test';
process.env['KANSHI_LOG_LEVEL'] = process.env['KANSHI_LOG_LEVEL'] ?? 'warn';
process.env['NODE_ENV'] = 'test';
