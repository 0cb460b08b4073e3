import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { startBareYoga, helloQuery } from "../lib/bare-yoga";
import { body, typenameQuery } from "../lib/graphql";
import { redisUrl } from "../lib/env";
import { row } from "../lib/report";
import { serviceWithAccount } from "../lib/setup";
import { ratios, summarize } from "../lib/stats";

/**
 * 1. The query stack at saturation. `{ __typename }` through the whole gateway (HTTP, token,
 * limits, masking, metrics; no resolver, no Redis) and `account(id)` (one HGETALL and its field
 * resolvers besides), each against graphql-yoga's bare hello world in the same process (what the
 * gateway adds to yoga), and `account(id)` against the Redis read alone (ioredis HGETALL at the
 * same concurrency, no HTTP, no GraphQL).
 */
export const queryThroughput: Figure = {
  id: "1",
  title: "GraphQL query req/s (autocannon, closed loop)",
  async run(context) {
    const { load, driver } = context;
    const { url, authorization, accountKey, query } = await serviceWithAccount(context, "q1");
    const bare = await startBareYoga();
    context.env.track(bare.close);
    const { connections, seconds } = load.query;
    let errors = 0;
    const samples = await inRounds(context, async (_, warmup) => {
      const seconds = warmup ? load.query.seconds / 2 : load.query.seconds;
      const account = await driver.run({
        kind: "closed-loop",
        authorization,
        url,
        connections,
        seconds,
        bodies: [query],
      });
      const typename = await driver.run({
        kind: "closed-loop",
        authorization,
        url,
        connections,
        seconds,
        bodies: [body(typenameQuery)],
      });
      const yoga = await driver.run({
        kind: "closed-loop",
        authorization,
        url: bare.url,
        connections,
        seconds,
        bodies: [body(helloQuery)],
      });
      const hgetall = await driver.run({
        kind: "hgetall",
        redisUrl,
        key: accountKey,
        concurrency: connections,
        seconds,
      });
      errors += account.errors + typename.errors + yoga.errors + hgetall.errors;
      return {
        "account(id)": account.perSecond,
        __typename: typename.perSecond,
        "bare yoga": yoga.perSecond,
        HGETALL: hgetall.perSecond,
      };
    });
    const account = summarize(samples["account(id)"]);
    context.shared.set("query.maxRate", account.median);
    const notes = [
      `${connections} connections, ${seconds} s per measurement, autocannon in the load-driver process`,
      ...(errors > 0 ? [`${errors} failed requests`] : []),
    ];
    const bareYoga = {
      label: "bare graphql-yoga { hello }",
      unit: "req/s",
      summary: summarize(samples["bare yoga"]),
    };
    return [
      row({
        id: "1a",
        value: { label: "{ __typename }", unit: "req/s", summary: summarize(samples.__typename) },
        baseline: bareYoga,
        ratio: summarize(ratios(samples.__typename, samples["bare yoga"])),
        target: { text: "≥ 0.8×", on: "ratio", op: ">=", bound: 0.8 },
        notes,
      }),
      row({
        id: "1b",
        value: { label: "account(id)", unit: "req/s", summary: account },
        baseline: bareYoga,
        ratio: summarize(ratios(samples["account(id)"], samples["bare yoga"])),
        target: { text: "≥ 0.7×", on: "ratio", op: ">=", bound: 0.7 },
        notes,
      }),
      row({
        id: "1c",
        value: { label: "account(id)", unit: "req/s", summary: account },
        baseline: { label: "ioredis HGETALL", unit: "ops/s", summary: summarize(samples.HGETALL) },
        ratio: summarize(ratios(samples["account(id)"], samples.HGETALL)),
        target: null,
        notes,
      }),
    ];
  },
};
