/**
 * `npm run bench [-- [--quick] [--only 1,3]]`: every figure beside a baseline measured in the same
 * run, a table on stdout, progress on stderr, the result in bench/results/<ISO date>.json.
 * SIGINT / SIGTERM stop it cleanly (schemas dropped, keys deleted); another one more than a second
 * later exits at once. (Ctrl-C in a terminal reaches this process twice: once from the terminal,
 * which signals the whole process group, and once forwarded by npm. Both together are one stop.)
 */
import type { Mode } from "./lib/modes";

// As in production: graphql-js skips its development-only checks. Set before any import of it.
process.env.NODE_ENV ??= "production";

const { describeFailure, parseCommandLine, UsageError } = await import("../server/cli/args");
const { figures } = await import("./figures/index");

const usage = `Usage: npm run bench [-- [--quick | --tiny] [--only 1,3]]

Runs every figure beside its baseline against the real service, PostgreSQL and Redis, prints the
table on stdout (progress on stderr) and writes bench/results/<ISO date>.json.

  (no option)   the full run: ~15-20 minutes on 2 cores
  --quick       small loads, under 2 minutes (a smoke run: do not publish its numbers)
  --tiny        the test suite's load, seconds (checks the harness, measures nothing)
  --only LIST   some figures only, by number: ${figures.map((f) => f.id).join(",")}
  --help        this text

Figures:
${figures.map((f) => `  ${f.id}  ${f.title}`).join("\n")}

Needs PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL, else TEST_DATABASE_URL /
TEST_REDIS_URL, else 127.0.0.1). Ctrl-C (SIGINT) or SIGTERM stops it and removes every schema and
key the run made; a second one, a second later, exits at once.
Exit codes: 0 done, 1 a figure failed, 2 wrong arguments, 130 / 143 stopped by SIGINT / SIGTERM.`;

function parseArguments(): { mode: Mode; only?: string[] } | null {
  const parsed = parseCommandLine(process.argv.slice(2), {
    quick: { type: "boolean" },
    tiny: { type: "boolean" },
    only: { type: "string" },
  });
  if (parsed === null) return null;
  const { quick, tiny, only } = parsed.values;
  if (quick && tiny) throw new UsageError("--quick and --tiny exclude each other");
  const mode: Mode = tiny ? "tiny" : quick ? "quick" : "full";
  if (only === undefined) return { mode };
  const known = figures.map((figure) => figure.id);
  const ids = only.split(",").map((id) => id.trim());
  const unknown = ids.find((id) => !known.includes(id));
  if (unknown !== undefined) {
    throw new UsageError(`--only: no figure "${unknown}"; the figures are ${known.join(", ")}`);
  }
  return { mode, only: ids };
}

let args: ReturnType<typeof parseArguments> = null;
try {
  args = parseArguments();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench: ${error.message}\nRun "npm run bench -- --help" for the usage.`);
  process.exit(2);
}
if (args === null) {
  console.log(usage);
  await new Promise((flushed) => process.stdout.write("", flushed));
  process.exit(0);
}
const { mode, only } = args;

const { runBench } = await import("./harness");
const busy = (loadAverage: readonly number[], cpus: number) => (loadAverage[0] ?? 0) > cpus * 0.75;
const { renderTable } = await import("./lib/report");
const { Aborted } = await import("./lib/clock");

const controller = new AbortController();
let firstSignalAt: number | null = null;
let stoppedBy: string | null = null;
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    const now = Date.now();
    if (firstSignalAt !== null) {
      // npm's forwarded copy of the terminal's Ctrl-C arrives within milliseconds: the same stop.
      if (now - firstSignalAt < 1000) return;
      process.stderr.write(`\n${name} again: exiting at once (schemas and keys of this run may remain)\n`);
      process.exit(130);
    }
    firstSignalAt = now;
    stoppedBy ??= name;
    process.stderr.write(`\n${name}: stopping after cleanup (send it again to exit at once)\n`);
    controller.abort();
  });
}

// A bug in a figure must not leave schemas and keys behind: stop the run the same way.
for (const name of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(name, (error: unknown) => {
    process.stderr.write(
      `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    controller.abort();
  });
}

try {
  const report = await runBench({
    mode,
    ...(only && { only }),
    signal: controller.signal,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const lines = [
    "",
    `Ledgerline benchmark, ${report.mode} mode, ${report.machine.cpus} cores, node ${report.machine.node}, PostgreSQL ${report.machine.postgres}, Redis ${report.machine.redis}, commit ${report.machine.gitCommit?.slice(0, 12) ?? "?"}${report.machine.gitDirty ? " (dirty)" : ""}, ${Math.round(report.seconds)} s`,
    // The start is what matters: at the end the load average mostly shows the benchmark itself.
    ...(busy(report.machine.loadAverage, report.machine.cpus)
      ? [
          `WARNING: the machine was busy when the run started (load average ${report.machine.loadAverage[0]?.toFixed(1)} on ${report.machine.cpus} cores): other work shared the cores, so every figure is noisier.`,
        ]
      : []),
    "",
    renderTable(report.rows),
    "",
  ];
  const seen = new Set<string>();
  for (const row of report.rows) {
    for (const note of row.notes) {
      const key = `${row.id.replace(/[a-z]$/, "")}: ${note}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`- ${key}`);
    }
  }
  for (const failure of report.failures) lines.push(`- figure ${failure.figure} FAILED: ${failure.error}`);
  if (report.resultsFile) lines.push("", `written: ${report.resultsFile}`);
  process.stdout.write(`${lines.join("\n")}\n`, () => process.exit(report.failures.length > 0 ? 1 : 0));
} catch (error) {
  if (error instanceof Aborted)
    process.exit(stoppedBy === "SIGTERM" ? 143 : stoppedBy === "SIGINT" ? 130 : 1);
  process.stderr.write(`bench: ${describeFailure(error)}\n`);
  process.exit(1);
}
