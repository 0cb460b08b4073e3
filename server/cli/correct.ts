import { taxCorrectionId, taxCorrectionRule, type TaxCorrectionRule } from "../../domain/ordering/tax-rule";
import { ValidationError } from "../../domain/shared/errors";
import { formatAmount } from "../../domain/shared/money";
import { closeWithin, maintenanceQueue } from "../../jobs/queues";
import { requestTaxCorrection, type TaxCorrectionReport } from "../../jobs/tax-correction";
import { loadConfig } from "../config";
import { parseCommandLine, runCommand, UsageError } from "./args";
import { followJob } from "./follow-job";
import { connectRedis } from "./redis";

const usage = `Usage:
  npm run correct -- tax --rate <rate> --placed-before <date> [--region <code>] [--dry-run] [--detach]

  --rate <rate>            the new tax rate: "5%", "7.25%" or "725bp"
  --placed-before <date>   orders placed before this day ("2026-11-01", its start in UTC) or
                           ISO-8601 instant
  --region <code>          only orders of this tax region ("US-CA", "DE"); all regions without it
  --dry-run                append nothing: list what would be appended and the difference it
                           would make to tax and net revenue, per currency and per day
  --detach                 start the job and return (follow it with the jobs query)
  --help                   this text

Applies a tax rule to past orders as a job: every paid, shipped or delivered order placed before
the date (and not refunded or cancelled) owes tax at the new rate; each whose tax moves gets an
OrderTaxRecalculated event, and the revenue views move the tax to the day the order was paid.
Running the same rule again appends nothing. A running worker (ROLE=worker, or ROLE=all as npm
start runs) does the work; Ctrl-C stops following, not the job. Uses REDIS_URL (or
REDIS_CLUSTER_NODES) and REDIS_PREFIX like the service.
Exit codes: 0 done, 1 failed (the job failed, or Redis is unavailable), 2 wrong arguments.`;

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      rate: { type: "string" },
      "placed-before": { type: "string" },
      region: { type: "string" },
      "dry-run": { type: "boolean" },
      detach: { type: "boolean" },
    },
    true,
  );
  if (parsed === null) {
    console.log(usage);
    return 0;
  }
  const [kind, ...extra] = parsed.positionals;
  if (kind === undefined) throw new UsageError("missing what to correct (tax)");
  if (kind !== "tax") throw new UsageError(`unknown correction "${kind}"; known: tax`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const { rate, "placed-before": placedBefore, region } = parsed.values;
  if (rate === undefined) throw new UsageError('missing --rate (such as "5%")');
  if (placedBefore === undefined) throw new UsageError('missing --placed-before (such as "2026-11-01")');
  let rule: TaxCorrectionRule;
  try {
    rule = taxCorrectionRule({ rate, placedBefore, region: region ?? null });
  } catch (error) {
    if (error instanceof ValidationError) {
      const option = { rate: "--rate", placedBefore: "--placed-before", region: "--region" }[error.field];
      throw new UsageError(`${option ?? error.field}: ${error.message}`);
    }
    throw error;
  }
  const dryRun = parsed.values["dry-run"] ?? false;

  const config = loadConfig();
  // Connected first, so that an unreachable Redis is one clear line rather than BullMQ's retries.
  const tool = await connectRedis(config);
  const queue = maintenanceQueue({ connection: tool.bull, prefix: tool.keys.queuePrefix() });
  try {
    const jobId = await requestTaxCorrection(queue, { ...rule, dryRun });
    console.log(
      `${dryRun ? "Dry run of" : "Applying"} ${taxCorrectionId(rule)}: orders placed before ${rule.placedBefore}` +
        `${rule.region ? ` in ${rule.region}` : ""} owe ${rule.rateBps / 100} % (job ${jobId}).`,
    );
    if ((await queue.getWorkers()).length === 0) {
      console.log("No worker is running yet (ROLE=worker or ROLE=all): the job waits until one starts.");
    }
    if (parsed.values.detach) return 0;
    const followed = await followJob(queue, jobId, "orders", "the tax correction");
    if (followed.outcome === "detached") {
      console.log(`Stopped following; the correction goes on (job ${jobId}).`);
      return 0;
    }
    console.log(describeReport(followed.result as TaxCorrectionReport));
    return 0;
  } finally {
    await closeWithin(queue, 2_000);
    tool.close();
  }
}

/** The report as people read it: counts, then the difference per currency and per day. */
export function describeReport(report: TaxCorrectionReport): string {
  const verb = report.dryRun ? "would append" : "appended";
  const lines = [
    `${report.ordersScanned} orders read, ${report.ordersCovered} placed before the date${report.region ? ` in ${report.region}` : ""}:`,
    `  ${report.changed} ${report.dryRun ? "would change" : "changed"} (${verb} ${report.dryRun ? report.changed : report.eventsAppended} OrderTaxRecalculated)`,
    `  ${report.alreadyCorrected} already corrected by this rule, ${report.alreadyAtRate} already at the rate,` +
      ` ${report.notApplicable} not paid, cancelled or refunded`,
  ];
  if (report.byCurrency.length > 0) {
    lines.push("", "currency  orders  tax before  tax after  tax difference  net revenue difference");
    for (const c of report.byCurrency) {
      lines.push(
        `${c.currency.padEnd(8)}  ${String(c.orders).padStart(6)}  ${formatAmount(c.taxBefore, c.currency).padStart(10)}  ${formatAmount(c.taxAfter, c.currency).padStart(9)}` +
          `  ${signed(c.taxDifference, c.currency).padStart(14)}  ${signed(c.netRevenueDifference, c.currency).padStart(22)}`,
      );
    }
    lines.push("", "day (paid)  currency  orders  tax difference");
    for (const d of report.byDay) {
      lines.push(
        `${d.day}  ${d.currency.padEnd(8)}  ${String(d.orders).padStart(6)}  ${signed(d.taxDifference, d.currency).padStart(14)}`,
      );
    }
    lines.push("", "order                                   paid        tax before  tax after");
    for (const change of report.changes) {
      lines.push(
        `${change.orderId.padEnd(38)}  ${change.paidAt.slice(0, 10)}  ${formatAmount(change.previousTax, change.currency).padStart(10)}  ${formatAmount(change.tax, change.currency).padStart(9)} ${change.currency}`,
      );
    }
    if (report.changesNotListed > 0) lines.push(`… and ${report.changesNotListed} more`);
  }
  return lines.join("\n");
}

function signed(units: number, currency: string): string {
  return units < 0 ? `-${formatAmount(-units, currency)}` : `+${formatAmount(units, currency)}`;
}

runCommand("correct", main);
