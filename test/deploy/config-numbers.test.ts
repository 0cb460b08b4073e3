import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";

/**
 * Number settings are checked when the configuration is read, naming the setting: a value that is
 * not a number must not become NaN somewhere later (a batch size refused deep in the projectors'
 * start, a readiness threshold that silently turns the lag check off).
 */
describe("number settings", () => {
  const refused: Array<[string, string, RegExp]> = [
    ["PROJECTOR_BATCH_SIZE", "abc", /PROJECTOR_BATCH_SIZE must be a positive integer; got "abc"/],
    ["PROJECTOR_BATCH_SIZE", "0", /PROJECTOR_BATCH_SIZE must be a positive integer/],
    ["PROJECTOR_LEASE_MS", "5s", /PROJECTOR_LEASE_MS must be a positive integer; got "5s"/],
    ["PROJECTOR_PARTITIONS", "-2", /PROJECTOR_PARTITIONS must be a positive integer/],
    ["READY_MAX_LAG_EVENTS", "abc", /READY_MAX_LAG_EVENTS must be 0 or a positive integer; got "abc"/],
    ["READY_MAX_LAG_EVENTS", "-5", /READY_MAX_LAG_EVENTS must be 0 or a positive integer/],
    ["READY_MAX_LAG_EVENTS", "1.5", /READY_MAX_LAG_EVENTS must be 0 or a positive integer/],
    ["PROJECTOR_PARTITION", "half", /PROJECTOR_PARTITION must look like "0\/2"; got "half"/],
    [
      "PROJECTOR_PARTITION",
      "2/2",
      /PROJECTOR_PARTITION is "<index>\/<count>" with 0 ≤ index < count; got "2\/2"/,
    ],
  ];
  it.each(refused)("refuses %s=%s with a configuration error naming it", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("takes well-formed values and keeps the defaults when unset", () => {
    const config = loadConfig({
      PROJECTOR_BATCH_SIZE: "500",
      PROJECTOR_LEASE_MS: "8000",
      READY_MAX_LAG_EVENTS: "0",
      PROJECTOR_PARTITION: "1/4",
    });
    expect(config.projectorBatchSize).toBe(500);
    expect(config.projectorLeaseMs).toBe(8000);
    expect(config.readyMaxLagEvents).toBe(0);
    expect(config.projectorPartition).toEqual({ index: 1, count: 4 });
    expect(config.projectorPartitions).toBe(4);
    const defaults = loadConfig({});
    expect([defaults.projectorBatchSize, defaults.projectorLeaseMs, defaults.readyMaxLagEvents]).toEqual([
      200, 5000, 1000,
    ]);
    expect(defaults.projectorPartitions).toBe(1);
  });
});
