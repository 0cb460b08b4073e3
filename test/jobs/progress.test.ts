import { describe, expect, it } from "vitest";
import { progressMeter } from "../../jobs/progress";

describe("job progress reports", () => {
  it("measure the rate from the attempt's start, so a job that reports once, at its end, has one", () => {
    const meter = progressMeter(Date.now() - 2_000);
    const report = meter(400, 400, "done");
    expect(report.ratePerSecond).toBeGreaterThanOrEqual(190);
    expect(report.ratePerSecond).toBeLessThanOrEqual(200);
    expect(report.etaSeconds).toBe(0);
  });

  it("count only this attempt's work when an earlier one left some done, and give the time left at that rate", () => {
    const meter = progressMeter(Date.now() - 2_000, 1_000);
    expect(meter(1_000, 3_000, "building").ratePerSecond).toBe(0);
    const report = meter(1_200, 3_000, "building");
    expect(report.ratePerSecond).toBeGreaterThanOrEqual(95);
    expect(report.ratePerSecond).toBeLessThanOrEqual(100);
    expect(report.etaSeconds).toBeGreaterThanOrEqual(18);
    expect(report.etaSeconds).toBeLessThanOrEqual(19);
  });
});
