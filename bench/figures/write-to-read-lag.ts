import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { redisUrl } from "../lib/env";
import { openAccounts, waitProjected } from "../lib/graphql";
import { row } from "../lib/report";
import { ratios, summarize } from "../lib/stats";

/**
 * 4. Write-to-read lag: deposit mutation acknowledged → the WebSocket subscription's push with that
 * revision received, at a steady write rate (append → NOTIFY → projector batch → Lua write +
 * PUBLISH → gateway re-reads the view → graphql-ws push). Against Redis PUBLISH → receive at the
 * same rate, the floor under any push.
 */
export const writeToReadLag: Figure = {
  id: "4",
  title: "write-to-read lag (mutation ack → WebSocket push)",
  async run(context) {
    const { load, driver, env } = context;
    const { url, prefix, authorization } = await env.service("l4");
    const accounts = Array.from({ length: load.lag.accounts }, (_, i) => `bench-lag${i}`);
    await openAccounts(url, authorization, accounts);
    await waitProjected(url, authorization, accounts, context.signal);
    const { ratePerSecond } = load.lag;
    let early = 0;
    let missing = 0;
    let writes = 0;
    const samples = await inRounds(context, async (_, warmup) => {
      const seconds = warmup ? load.lag.seconds / 2 : load.lag.seconds;
      const lag = await driver.run({
        kind: "write-lag",
        authorization,
        url,
        accounts,
        ratePerSecond,
        seconds,
      });
      const pubsub = await driver.run({
        kind: "pubsub-lag",
        redisUrl,
        channel: `${prefix}bench-pubsub`,
        ratePerSecond,
        seconds,
      });
      early += lag.early;
      missing += lag.missing + pubsub.missing;
      writes += lag.writes;
      return {
        "lag p50 ms": lag.latency.p50,
        "lag p99 ms": lag.latency.p99,
        "PUBLISH p50 ms": pubsub.latency.p50,
        "PUBLISH p99 ms": pubsub.latency.p99,
      };
    });
    const notes = [
      `${ratePerSecond} writes/s over ${accounts.length} accounts, ${load.lag.seconds} s per measurement, one graphql-ws connection`,
      ...(early > 0
        ? [`${early} of ${writes} pushes arrived before the mutation's answer (counted as 0 ms)`]
        : []),
      ...(missing > 0 ? [`${missing} writes or messages never received`] : []),
    ];
    return [
      row({
        id: "4a",
        value: { label: "ack → push p50", unit: "ms", summary: summarize(samples["lag p50 ms"]) },
        baseline: {
          label: "PUBLISH → receive p50",
          unit: "ms",
          summary: summarize(samples["PUBLISH p50 ms"]),
        },
        ratio: summarize(ratios(samples["lag p50 ms"], samples["PUBLISH p50 ms"])),
        target: { text: "p50 ≤ 5 ms", on: "value", op: "<=", bound: 5 },
        notes,
      }),
      row({
        id: "4b",
        value: { label: "ack → push p99", unit: "ms", summary: summarize(samples["lag p99 ms"]) },
        baseline: {
          label: "PUBLISH → receive p99",
          unit: "ms",
          summary: summarize(samples["PUBLISH p99 ms"]),
        },
        ratio: summarize(ratios(samples["lag p99 ms"], samples["PUBLISH p99 ms"])),
        target: { text: "p99 ≤ 15 ms", on: "value", op: "<=", bound: 15 },
        notes,
      }),
    ];
  },
};
