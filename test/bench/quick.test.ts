import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../../bench/harness";

// Runs the whole harness on a tiny load: every figure must come out, with finite numbers.
// Values are not checked: timings on a shared CI machine say nothing about the code.
const expectedRows = [
  "1a",
  "1b",
  "1c",
  "2a",
  "2b",
  "3a",
  "3b",
  "3c",
  "4a",
  "4b",
  "5a",
  "5b",
  "5c",
  "6a",
  "6b",
  "6c",
  "6d",
  "7",
  "8",
  "9a",
  "9b",
  "9c",
];

let dir: string | null = null;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("benchmark harness (tiny mode)", () => {
  it("produces every figure, each with a finite value, baseline and ratio, and writes the result file", async () => {
    dir = await mkdtemp(join(tmpdir(), "ledgerline-bench-"));
    const report = await runBench({ mode: "tiny", resultsDir: dir });

    expect(report.failures).toEqual([]);
    expect(report.rows.map((row) => row.id)).toEqual(expectedRows);
    for (const row of report.rows) {
      for (const [what, value] of [
        ["value", row.value.summary.median],
        ["baseline", row.baseline.summary.median],
        ["ratio", row.ratio.median],
      ] as const) {
        expect(Number.isFinite(value), `${row.id} ${what} is ${value}`).toBe(true);
      }
      expect(row.value.summary.samples).toHaveLength(report.load.rounds);
    }

    expect(report.resultsFile).not.toBeNull();
    const written = JSON.parse(await readFile(report.resultsFile!, "utf8")) as typeof report;
    expect(written.rows).toHaveLength(expectedRows.length);
    expect(written.machine).toMatchObject({ cpus: expect.any(Number), node: process.version });
    expect(written.machine.postgres).not.toBe("unknown");
    expect(written.machine.redis).not.toBe("unknown");
  }, 120_000);
});
