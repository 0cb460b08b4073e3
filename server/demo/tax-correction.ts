import type { CommandRuntime } from "../../commands/runtime";
import { parsePlacedBefore, type TaxCorrectionRule } from "../../domain/ordering/tax-rule";
import { correctTax, type TaxCorrectionReport } from "../../jobs/tax-correction";
import { DAY } from "./plan";

/**
 * The demo's retroactive correction: an audit finds that Californian orders placed more than a
 * week ago owed 7.75 % rather than 7.25 %. Applied at the end of a load, at the data set's `now`,
 * by the same code as the tax correction job, so GraphiQL shows OrderTaxRecalculated events, the
 * corrected orders (`taxCorrectionId`) and the revenue view's tax moved to the days they were paid.
 */
export function demoTaxRule(nowMs: number): TaxCorrectionRule {
  const weekAgo = new Date(nowMs - 7 * DAY).toISOString().slice(0, 10);
  return { rateBps: 775, placedBefore: parsePlacedBefore(weekAgo), region: "US-CA" };
}

export function correctDemoTax(commands: CommandRuntime, nowMs: number): Promise<TaxCorrectionReport> {
  return correctTax(demoTaxRule(nowMs), false, {
    log: commands.log,
    commands,
    clock: () => new Date(nowMs),
    correlationId: "demo-tax-correction",
  });
}
