import * as hdr from "hdr-histogram-js";

/** Latency percentiles in milliseconds, taken from an HDR histogram recorded in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface LatencyRecorder {
  /** Records one latency given in milliseconds (negative values are recorded as 0). */
  record(ms: number): void;
  summary(): LatencySummary;
}

export function latencyRecorder(): LatencyRecorder {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  return {
    record(ms) {
      histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
    },
    summary() {
      const at = (p: number) => histogram.getValueAtPercentile(p) / 1000;
      return {
        count: histogram.totalCount,
        p50: at(50),
        p90: at(90),
        p99: at(99),
        max: histogram.maxValue / 1000,
        mean: histogram.mean / 1000,
      };
    },
  };
}
