import type { AuditResult } from "./audit";
import type { FaultRecord } from "./faults";
import type { Refusal } from "./load";

export interface GamedayReport {
  readonly startedAt: string;
  readonly command: string;
  readonly seconds: number;
  readonly rate: number;
  readonly partitions: number;
  /** Events in the log at the end. */
  readonly events: number;
  /** Mutations the service acknowledged (deposits, withdrawals, transfers, orders). */
  readonly acknowledged: number;
  /** Mutations answered with a refusal on the rules (insufficient funds): no effect. */
  readonly ruled: number;
  /** Mutations never answered within the clients' retry budget: their outcome is unknown. */
  readonly unanswered: number;
  /** ServiceUnavailable answers: during a fault of the write path, and at any other time. */
  readonly refusals: {
    readonly duringFaults: number;
    readonly otherwise: number;
    /** The first of those outside a fault, with what the service said (offsets in the JSON). */
    readonly unexpected: readonly Refusal[];
  };
  readonly faults: readonly FaultRecord[];
  readonly longestLag: { readonly events: number; readonly ms: number; readonly projector: string };
  readonly reconnects: number;
  readonly audit: AuditResult;
  passed: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The report as a table a person reads: what was done, what broke, how fast it healed, the audit. */
export function printReport(report: GamedayReport): void {
  const { audit } = report;
  const lines: string[] = [
    "",
    `Game day ${report.startedAt}: ${report.seconds} s, ${report.events} events in the log, ${report.acknowledged} mutations acknowledged`,
    `  (${report.ruled} refused on the rules, ${report.unanswered} unanswered), ${report.partitions} projector partitions`,
    "",
    "fault            count  heal p50   heal max   not healed",
  ];
  const kinds = [...new Set(report.faults.map((f) => f.kind))];
  for (const kind of kinds) {
    const of = report.faults.filter((f) => f.kind === kind);
    const heals = of
      .filter((f) => f.healedAt !== null)
      .map((f) => f.healedAt! - f.endedAt)
      .sort((a, b) => a - b);
    const p50 = heals.length ? seconds(heals[Math.floor((heals.length - 1) / 2)]!) : "—";
    const max = heals.length ? seconds(heals.at(-1)!) : "—";
    lines.push(
      `${kind.padEnd(15)}  ${String(of.length).padStart(5)}  ${p50.padStart(8)}  ${max.padStart(9)}  ${String(of.length - heals.length).padStart(11)}`,
    );
  }
  lines.push(
    "",
    `longest lag: ${report.longestLag.events} events / ${seconds(report.longestLag.ms)} (${report.longestLag.projector || "—"})`,
    `ServiceUnavailable: ${report.refusals.duringFaults} during faults of the write path, ${report.refusals.otherwise} otherwise`,
    ...report.refusals.unexpected.map(
      (r) => `  refused outside a fault: ${r.mutation} at ${new Date(r.at).toISOString()}: ${r.said}`,
    ),
    `subscribers: ${audit.subscribers}, ${audit.pushesReceived} pushes, ${report.reconnects} reconnects`,
    `transfers: ${
      Object.entries(audit.transfers)
        .map(([status, n]) => `${status} ${n}`)
        .join(", ") || "none"
    }`,
    "",
    `audit: ${audit.viewKeysCompared} view keys against a clean rebuild, ${audit.accountsCompared} balances, ${audit.subscribers} subscribers`,
    `  lost ${audit.lost}, doubled ${audit.doubled}, out of order ${audit.outOfOrder}, differences ${audit.differences.length}`,
  );
  for (const difference of audit.differences.slice(0, 20)) {
    lines.push(`  ${difference.kind} ${difference.what}: ${difference.detail}`);
  }
  if (audit.differences.length > 20)
    lines.push(`  … and ${audit.differences.length - 20} more (in the JSON report)`);
  lines.push(
    "",
    report.passed
      ? "PASSED: nothing lost, nothing counted twice, nothing out of order."
      : "FAILED: see the differences above.",
  );
  console.log(lines.join("\n"));
}
