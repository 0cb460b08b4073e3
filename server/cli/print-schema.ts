import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { gatewaySchema } from "../../resolvers/index";
import { CommandFailed, parseCommandLine, runCommand, UsageError } from "./args";

/**
 * The published contract: the schema as SDL, types and fields sorted, so a diff of
 * `schema/schema.graphql` shows exactly what changed for clients. `npm run schema:print` prints it,
 * `-- --write` rewrites the file, `-- --check` fails when the file is not what the code builds;
 * test/api/contract.test.ts fails on a difference too. It lives with the command-line entry
 * points because it needs the resolvers, which schema/ may not import.
 */
export const schemaFile = fileURLToPath(new URL("../../schema/schema.graphql", import.meta.url));

export function schemaSdl(): string {
  return `${printSchema(gatewaySchema())}\n`;
}

const usage = `Usage: npm run schema:print [-- --write | --check]

Prints the GraphQL schema the code builds (SDL, types and fields sorted) on stdout.

  --write   rewrite schema/schema.graphql (the published contract) instead
  --check   print nothing; exit 1 when schema/schema.graphql differs from what the code builds
  --help    this text

Exit codes: 0 done (or no difference), 1 the file differs (--check) or cannot be written, 2 wrong arguments.`;

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { write: { type: "boolean" }, check: { type: "boolean" } });
  if (parsed === null) {
    console.log(usage);
    return 0;
  }
  const { write, check } = parsed.values;
  if (write && check) throw new UsageError("--write and --check exclude each other");
  const sdl = schemaSdl();
  if (check) {
    const current = readFileSync(schemaFile, "utf8");
    if (current !== sdl) {
      throw new CommandFailed(
        `${schemaFile} differs from the schema the code builds: run "npm run schema:print -- --write"`,
      );
    }
    console.error(`${schemaFile} is up to date`);
    return 0;
  }
  if (write) {
    writeFileSync(schemaFile, sdl);
    console.error(`wrote ${schemaFile}`);
    return 0;
  }
  process.stdout.write(sdl);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCommand("schema:print", main);
