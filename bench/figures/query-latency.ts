import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { body, typenameQuery } from "../lib/graphql";
import { row } from "../lib/report";
import { serviceWithAccount } from "../lib/setup";
import { ratios, summarize } from "../lib/stats";

/**
 * 2. Latency of `account(id)` at half the maximum query rate, at a fixed arrival rate (open loop,
 * HDR histogram, latency counted from when each request was due), against `{ __typename }` sent at
 * the same rate to the same server.
 */
export const queryLatency: Figure = {
  id: "2",
  title: "query latency at half the max rate (open loop)",
  async run(context) {
    const { load, driver, shared } = context;
    const { url, authorization, query } = await serviceWithAccount(context, "q2");
    const { connections, seconds, latencySeconds } = load.query;
    let maxRate = shared.get("query.maxRate");
    if (maxRate === undefined) {
      maxRate = (
        await driver.run({ kind: "closed-loop", authorization, url, connections, seconds, bodies: [query] })
      ).perSecond;
      context.progress(`max account(id) rate ${Math.round(maxRate)} req/s (measured here)`);
    }
    const rate = Math.max(1, Math.round(maxRate / 2));
    let failed = 0;
    const open = (payload: string, warmup: boolean) =>
      driver.run({
        kind: "open-loop",
        authorization,
        url,
        body: payload,
        ratePerSecond: rate,
        seconds: warmup ? latencySeconds / 2 : latencySeconds,
        sockets: connections,
      });
    const samples = await inRounds(context, async (_, warmup) => {
      const account = await open(query, warmup);
      const typename = await open(body(typenameQuery), warmup);
      failed += account.failed + typename.failed;
      return {
        "account p50 ms": account.latency.p50,
        "account p99 ms": account.latency.p99,
        "__typename p50 ms": typename.latency.p50,
        "__typename p99 ms": typename.latency.p99,
      };
    });
    const notes = [
      `${rate} req/s fixed arrival rate (half of the measured max ${Math.round(maxRate)} req/s), ${latencySeconds} s per measurement`,
      ...(failed > 0 ? [`${failed} failed requests`] : []),
    ];
    return [
      row({
        id: "2a",
        value: { label: "account(id) p50", unit: "ms", summary: summarize(samples["account p50 ms"]) },
        baseline: {
          label: "{ __typename } p50",
          unit: "ms",
          summary: summarize(samples["__typename p50 ms"]),
        },
        ratio: summarize(ratios(samples["account p50 ms"], samples["__typename p50 ms"])),
        target: null,
        notes,
      }),
      row({
        id: "2b",
        value: { label: "account(id) p99", unit: "ms", summary: summarize(samples["account p99 ms"]) },
        baseline: {
          label: "{ __typename } p99",
          unit: "ms",
          summary: summarize(samples["__typename p99 ms"]),
        },
        ratio: summarize(ratios(samples["account p99 ms"], samples["__typename p99 ms"])),
        target: { text: "p99 ≤ 1.5×", on: "ratio", op: "<=", bound: 1.5 },
        notes,
      }),
    ];
  },
};
