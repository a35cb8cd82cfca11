// Type-aware lint. The import rules keep the layering of ARCHITECTURE.md and STYLE.md:
// other code reaches a lib only through its public index (`@kanshi/<lib>`), sector modules
// depend on the policy SDK alone, and the SDK on the contracts alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImport = {
  // `@kanshi/x/...`, any path through libs/, and relative paths that climb into a sibling
  // package's src/ (libs/a/src/f.ts -> ../../b/src/g).
  group: ['@kanshi/*/*', '**/libs/**', '../../*/src', '../../*/src/**', '../../../*/src', '../../../*/src/**'],
  message: 'Import a lib through its public index (@kanshi/<lib>), never a file inside it.',
};

// The queue layer is the one place that knows BullMQ: everything else queues through `JobQueue`
// (and `AlertQueue`), runs jobs through the worker host, and reads queues with `QueueInspector`.
const bullmq = {
  name: 'bullmq',
  message: 'Only @kanshi/queue imports BullMQ: queue jobs with JobQueue or AlertQueue, read queues with QueueInspector.',
};

/**
 * The import rule of a folder: no deep imports, no BullMQ, and the folder's own `patterns`. A flat
 * config replaces the whole rule for the files it matches, so every folder's rule starts here.
 */
const importRule = (...patterns) => ({ 'no-restricted-imports': ['error', { paths: [bullmq], patterns: [deepImport, ...patterns] }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-extraneous-class': 'off',
      ...importRule(),
    },
  },
  {
    files: ['libs/policy-sdk/**/*.ts'],
    rules: importRule({ regex: '^@kanshi/(?!contracts$)', message: 'policy-sdk depends on @kanshi/contracts only.' }),
  },
  {
    files: ['libs/sectors/**/*.ts', 'examples/**/*.ts'],
    rules: importRule({ regex: '^@kanshi/(?!policy-sdk$|contracts$)', message: 'Sector modules are built on @kanshi/policy-sdk alone.' }),
  },
  {
    // The producer SDK ships as an npm package on its own: the contracts are its only Kanshi
    // dependency, and it must run without NestJS.
    files: ['libs/telemetry-client/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: importRule(
      { regex: '^@kanshi/(?!contracts$|telemetry-client$)', message: 'The telemetry client depends on @kanshi/contracts only.' },
      { group: ['@nestjs/*'], message: 'The telemetry client runs without NestJS.' },
    ),
  },
  {
    // The catalog of sector modules sits between the engine core and the apps: the engine, the
    // API and the docs read it; it reads the modules and the plug-in loader only.
    files: ['libs/policy-catalog/**/*.ts'],
    rules: importRule({
      regex: '^@kanshi/(?!config$|contracts$|policy-core$|policy-sdk$|sector-[a-z-]+$)',
      message: 'The policy catalog depends on the config, the policy core, the SDK and the sector modules only.',
    }),
  },
  {
    // Sealing secrets is a leaf: the configuration (for its keys) is all it reads, so every
    // lib that stores a secret can use it without a cycle.
    files: ['libs/secrets/**/*.ts'],
    rules: importRule({ regex: '^@kanshi/(?!config$|secrets$)', message: 'The secrets lib depends on @kanshi/config only.' }),
  },
  {
    files: ['libs/policy-core/**/*.ts'],
    rules: importRule(
      { regex: '^@kanshi/(policy-catalog|inventory)$', message: 'The policy core must not depend on the catalog or the API libs built on it.' },
      { regex: '^@kanshi/alerting$', message: "The engine queues alerts through @kanshi/queue; the alert side is the worker's and the API's." },
    ),
  },
  {
    // End-to-end tests start the apps through their main files.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [bullmq], patterns: [{ group: ['@kanshi/*/*', '**/libs/**'], message: deepImport.message }] }] },
  },
  {
    // The alerting core decides (state machine, routing and silences, findings, follow-ups) and
    // does nothing else: no framework, no database, no queue, so it unit-tests with a fake clock.
    files: ['libs/alerting-core/**/*.ts'],
    rules: importRule(
      { regex: '^@kanshi/(?!contracts$|alerting-core$)', message: 'The alerting core depends on @kanshi/contracts only.' },
      { regex: '^(@nestjs/|typeorm|pg$|ioredis|bullmq|node:)', message: 'The alerting core is pure: no framework, database, queue or I/O.' },
    ),
  },
  {
    // The API's alert endpoints commit changes with their outbox entries; the worker schedules.
    files: ['libs/alerting-api/**/*.ts'],
    rules: importRule({ regex: '^@kanshi/queue$', message: 'The API never queues: a change commits its outbox entry and the alert worker schedules what follows.' }),
  },
  {
    files: ['libs/queue/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [deepImport, { regex: '^@kanshi/(?!config$|contracts$|runtime$|testing$|queue$)', message: 'The queue layer depends on the config, the contracts and the runtime only.' }] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
