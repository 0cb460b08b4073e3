/**
 * How much load each figure puts on the machine. `full` is the published run (under 15 minutes on
 * 2 cores), `quick` a smoke run (under 2 minutes), `tiny` what the test suite runs (seconds).
 */
export type Mode = "tiny" | "quick" | "full";

export interface Load {
  readonly mode: Mode;
  /** Measured rounds per figure; each round runs the figure and its baselines back to back. */
  readonly rounds: number;
  /** A warm-up round first (JIT, pools, caches), not counted. */
  readonly warmup: boolean;
  readonly query: { readonly connections: number; readonly seconds: number; readonly latencySeconds: number };
  readonly writes: { readonly concurrency: number; readonly seconds: number; readonly accounts: number };
  readonly lag: { readonly ratePerSecond: number; readonly seconds: number; readonly accounts: number };
  readonly projector: {
    readonly seconds: number;
    readonly streams: number;
    readonly backlog: number;
    readonly calibrationSeconds: number;
  };
  /** Account events in `streams` streams, then `orders` orders of 4 events each: a log every view takes part of. */
  readonly rebuild: { readonly events: number; readonly streams: number; readonly orders: number };
  readonly aggregate: { readonly events: number; readonly tail: number; readonly loads: number };
  readonly fanout: { readonly subscribers: number; readonly changes: number };
  /** Figure 9's log (as `rebuild`'s, smaller: it is built twice per round). */
  readonly cluster: { readonly events: number; readonly streams: number; readonly orders: number };
}

export const loads: Record<Mode, Load> = {
  tiny: {
    mode: "tiny",
    rounds: 2,
    warmup: false,
    query: { connections: 4, seconds: 0.5, latencySeconds: 0.5 },
    writes: { concurrency: 2, seconds: 0.4, accounts: 8 },
    lag: { ratePerSecond: 20, seconds: 0.5, accounts: 2 },
    projector: { seconds: 0.5, streams: 8, backlog: 200, calibrationSeconds: 0.3 },
    rebuild: { events: 600, streams: 20, orders: 100 },
    aggregate: { events: 1_000, tail: 20, loads: 2 },
    fanout: { subscribers: 10, changes: 2 },
    cluster: { events: 300, streams: 10, orders: 50 },
  },
  quick: {
    mode: "quick",
    rounds: 3,
    warmup: true,
    query: { connections: 50, seconds: 1.5, latencySeconds: 1.5 },
    writes: { concurrency: 8, seconds: 1, accounts: 256 },
    lag: { ratePerSecond: 50, seconds: 1.5, accounts: 10 },
    projector: { seconds: 2, streams: 128, backlog: 5_000, calibrationSeconds: 1 },
    rebuild: { events: 6_000, streams: 100, orders: 1_000 },
    aggregate: { events: 10_000, tail: 100, loads: 2 },
    fanout: { subscribers: 250, changes: 3 },
    cluster: { events: 3_000, streams: 50, orders: 500 },
  },
  full: {
    mode: "full",
    rounds: 5,
    warmup: true,
    query: { connections: 50, seconds: 8, latencySeconds: 8 },
    writes: { concurrency: 8, seconds: 5, accounts: 1_024 },
    lag: { ratePerSecond: 50, seconds: 8, accounts: 20 },
    projector: { seconds: 8, streams: 256, backlog: 30_000, calibrationSeconds: 3 },
    rebuild: { events: 60_000, streams: 600, orders: 10_000 },
    aggregate: { events: 10_000, tail: 100, loads: 5 },
    fanout: { subscribers: 1_000, changes: 4 },
    cluster: { events: 12_000, streams: 200, orders: 2_000 },
  },
};
