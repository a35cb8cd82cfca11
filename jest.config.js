// Three tiers, one run: `npm test` prints one summary for all of them.
//  unit         *.spec.ts beside the code: pure logic, no servers.
//  integration  *.int-spec.ts beside the code: against the real PostgreSQL, Redis and Kafka.
//  e2e          test/e2e/*.e2e-spec.ts: the apps started and driven over Kafka and HTTP.
const swc = ['@swc/jest', { swcrc: true }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  rootDir: __dirname,
  // dist/ holds build output and packed npm packages whose package.json names repeat the libs'.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  // A handle a test leaves open (a socket, a timer) must not keep the run from ending: Jest exits
  // once every suite has reported, and the global teardown names what was left open.
  forceExit: true,
  globalTeardown: '<rootDir>/test/report-open-handles.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,infra,tools,test,examples}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,infra,tools}/**/*.int-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-real-servers.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-timeouts.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-real-servers.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-timeouts.ts'],
      slowTestThreshold: 60,
    },
  ],
};
