import { ConfigError } from '@kanshi/config';

/** A mistake on the command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const out = (text: string): void => void process.stdout.write(`${text}\n`);
export const err = (text: string): void => void process.stderr.write(`${text}\n`);

/**
 * Runs an operator's command-line tool: parses the arguments (a {@link UsageError} exits 2 with
 * a pointer to `--help`), prints `usage` for `help`, otherwise runs the command and exits with
 * its code. A configuration error is printed as it is (it names the variables); any other
 * error as one line prefixed with the tool's name, exit code 1.
 */
export function runCommandLine<C extends { readonly command: string }>(
  name: string,
  usage: string,
  parse: (argv: readonly string[]) => C,
  run: (command: Exclude<C, { readonly command: 'help' }>) => Promise<number>,
): void {
  const main = async (): Promise<number> => {
    let command: C;
    try {
      command = parse(process.argv.slice(2));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      err(`${name}: ${error.message}\nRun with --help for usage.`);
      return 2;
    }
    if (command.command === 'help') {
      out(usage);
      return 0;
    }
    return run(command as Exclude<C, { readonly command: 'help' }>);
  };
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      err(error instanceof ConfigError ? error.message : `${name}: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
