import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../config";

/**
 * What every command-line entry point (server/cli/, server/demo-cli.ts, bench/run.ts) shares:
 * arguments parsed by node:util's parseArgs in strict mode, `--help` / `-h` printing the usage on
 * stdout with exit code 0, and exit codes that tell a script what happened:
 *
 *   0  done (or the usage, asked for)
 *   1  the command failed (the store or Redis refused, the thing asked for is not there, …)
 *   2  the command line is wrong: the message names the argument, then how to get the usage
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the user can act on: its message is printed alone (no stack), exit code 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandFailed";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * parseArgs in strict mode, plus `--help` / `-h`. Null when help was asked for (the caller prints
 * its usage and exits 0). An unknown option, a missing value or a stray argument is a UsageError
 * naming it.
 */
export function parseCommandLine<O extends Options>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
) {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) return null;
    return parsed;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code?.startsWith("ERR_PARSE_ARGS")) {
      // Node's message names the argument; its advice about "--" is for positionals only.
      throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
    }
    throw error;
  }
}

/** A whole number within bounds, from an option's text; a UsageError naming the option otherwise. */
export function integerOption(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number ≥ ${min}; got "${text}"`);
  }
  return value;
}

/**
 * Runs a command's `main` and exits with its code; turns a UsageError into the message, a hint and
 * exit code 2, a configuration error into its message and exit code 2, and any other failure into
 * exit code 1 (with the stack for a failure nobody foresaw).
 */
export function runCommand(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(exit, (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${name}: ${error.message}\nRun "npm run ${name} -- --help" for the usage.`);
      return exit(2);
    }
    if (error instanceof ConfigError) {
      console.error(`${name}: configuration error: ${error.message}`);
      return exit(2);
    }
    console.error(`${name}: ${describeFailure(error)}`);
    return exit(1);
  });
}

/**
 * A failure as one line when it is an expected kind (CommandFailed, or an error with a `code`: the
 * store or Redis unreachable, a connection refused…), with its cause; the stack otherwise (a bug).
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return `failed: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof CommandFailed) && typeof code !== "string")
    return `failed: ${error.stack ?? error.message}`;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** Exits once what was written to stdout has gone out (a pipe may still hold it otherwise). */
export function exit(code: number): void {
  process.stdout.write("", () => process.exit(code));
}
