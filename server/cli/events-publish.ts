import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { eventCatalogue } from "../../domain/event-catalogue";
import type { EventContract } from "../../domain/shared/contracts";
import { detectDrift } from "../contracts/drift";
import {
  catalogueGaps,
  publishedFiles,
  readPublished,
  repositoryRoot,
  writePublished,
} from "../contracts/published";

const usage = `Usage: npm run events:publish [-- --check]

Publishes the event contracts from the schemas in domain/ (domain/event-catalogue.ts):
  schema/events/<context>/<Type>.v<N>.json   the JSON Schema of every version of every event
  schema/events/index.json                   every event, its stream and versions
  docs/events.md                             the event catalogue

A change to a published version is classified first. Additive changes (a new event or version, a
new optional field, a rule loosened, a new description or example) are written. A breaking change
(a field removed, retyped or made required, a rule tightened, a version gone) is refused and nothing
is written: give the new shape a new version with an upcaster instead. So is a version without an
example (domain/<context>/examples.ts) or, below the current one, without an upcaster.

Options:
  --check   write nothing; exit 1 when the published files differ from the code (what CI checks)
  --help    this text

Exit codes: 0 published (or up to date), 1 refused or out of date, 2 bad arguments.`;

/** Runs the command on `root` (the repository) for `catalogue` (the domain's); answers the exit code. */
export function main(
  argv: readonly string[],
  root = repositoryRoot,
  catalogue: readonly EventContract[] = eventCatalogue,
): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        check: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const gaps = catalogueGaps(catalogue);
  const files = publishedFiles(catalogue);
  const report = detectDrift(files, readPublished(root));
  const incomplete =
    gaps.length > 0 && `The event catalogue is incomplete:\n${gaps.map((gap) => `  - ${gap}`).join("\n")}`;
  if (report.upToDate && !incomplete) {
    console.log(`Event contracts are up to date (${catalogue.length} event types, ${files.size} files).`);
    return 0;
  }
  if (values.check || report.breaking.length > 0 || incomplete) {
    console.error([report.message, incomplete].filter(Boolean).join("\n\n"));
    return 1;
  }
  writePublished(files, root);
  console.log(report.message.split("\n\nFiles out of date")[0]);
  console.log(`\nWrote ${report.staleFiles.join(", ")}.`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(main(process.argv.slice(2)));
}
