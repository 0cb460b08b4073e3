import type { Figure } from "../lib/figure";
import { aggregateLoad } from "./aggregate-load";
import { cluster } from "./cluster";
import { fanout } from "./fanout";
import { projectorKeepsUp } from "./projector-keeps-up";
import { queryLatency } from "./query-latency";
import { queryThroughput } from "./query-throughput";
import { rebuild } from "./rebuild";
import { writeThroughput } from "./write-throughput";
import { writeToReadLag } from "./write-to-read-lag";

/** In the order they run; 2 reuses the maximum rate 1 measured. */
export const figures: readonly Figure[] = [
  queryThroughput,
  queryLatency,
  writeThroughput,
  writeToReadLag,
  projectorKeepsUp,
  rebuild,
  aggregateLoad,
  fanout,
  cluster,
];
