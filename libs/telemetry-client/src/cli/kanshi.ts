#!/usr/bin/env node
import { runKanshi } from './send-command';

// First Ctrl-C (or SIGTERM): stop reading, deliver what is queued, print the summary. Second: quit at once.
const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
  process.stderr.write(`\nkanshi: ${signal}: sending what is queued, then stopping (again to quit at once)\n`);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runKanshi(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: () => process.stdin,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  },
  (error: unknown) => {
    process.stderr.write(`kanshi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
