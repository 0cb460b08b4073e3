/**
 * `npm run bench [-- --quick] [-- --only 1,3]`: every figure beside a baseline measured in the same
 * run, a table on stdout, progress on stderr, the result in bench/results/<ISO date>.json.
 * SIGINT / SIGTERM stop it cleanly (schemas dropped, keys deleted); a second one exits at once.
 */
import type { Mode } from "./lib/modes";

// As in production: graphql-js skips its development-only checks. Set before any import of it.
process.env.NODE_ENV ??= "production";

const args = process.argv.slice(2);
const mode: Mode = args.includes("--tiny") ? "tiny" : args.includes("--quick") ? "quick" : "full";
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? args[onlyIndex + 1]?.split(",") : undefined;

const { runBench } = await import("./harness");
const busy = (loadAverage: readonly number[], cpus: number) => (loadAverage[0] ?? 0) > cpus * 0.75;
const { renderTable } = await import("./lib/report");
const { Aborted } = await import("./lib/clock");

const controller = new AbortController();
let signals = 0;
let stoppedBy: string | null = null;
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    signals++;
    stoppedBy ??= name;
    if (signals > 1) process.exit(130);
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
    signals++;
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
  process.stdout.write(`${lines.join("\n")}\n`);
  process.exit(report.failures.length > 0 ? 1 : 0);
} catch (error) {
  if (error instanceof Aborted)
    process.exit(stoppedBy === "SIGTERM" ? 143 : stoppedBy === "SIGINT" ? 130 : 1);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
