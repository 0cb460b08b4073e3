import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { startBareSse } from "../lib/bare-sse";
import { body, depositBody, openAccounts, waitProjected, watchAccountSubscription } from "../lib/graphql";
import { latencyRecorder } from "../lib/histogram";
import { row } from "../lib/report";
import { ratios, summarize } from "../lib/stats";

const CHANGE_TIMEOUT_MS = 10_000;

/**
 * 8. Fan-out: N open SSE subscriptions to one account (graphql-sse distinct connections, as yoga
 * serves them); one deposit → every subscriber receives the new view. Latency per subscriber from
 * the change being sent to its push arriving, p99 over all subscribers and changes of a round.
 * Against a bare node:http SSE endpoint in the same process doing the same fan-out: one POST, one
 * write to every open stream.
 */
export const fanout: Figure = {
  id: "8",
  title: "subscription fan-out over SSE",
  async run(context) {
    const { load, env, driver } = context;
    const { url, authorization } = await env.service("f8");
    const bare = await startBareSse();
    const closeBare = env.track(() => bare.close());
    const accountId = "bench-fanout";
    await openAccounts(url, authorization, [accountId]);
    await waitProjected(url, authorization, [accountId], context.signal);
    const { subscribers, changes } = load.fanout;
    const subscription = body(watchAccountSubscription, { id: accountId });
    try {
      const gateway = await driver.run({
        kind: "sse-open",
        group: "gateway",
        url,
        authorization,
        body: subscription,
        count: subscribers,
      });
      const plain = await driver.run({
        kind: "sse-open",
        group: "bare",
        url: bare.url,
        authorization,
        body: "{}",
        count: subscribers,
      });
      context.progress(`${gateway.opened} gateway and ${plain.opened} bare SSE streams open`);
      let missed = 0;
      const samples = await inRounds(context, async () => {
        const g = latencyRecorder();
        const b = latencyRecorder();
        for (let i = 0; i < changes; i++) {
          const viaGateway = await driver.run({
            kind: "sse-change",
            group: "gateway",
            triggerUrl: url,
            triggerBody: depositBody(accountId, "1.00"),
            authorization,
            timeoutMs: CHANGE_TIMEOUT_MS,
          });
          const viaBare = await driver.run({
            kind: "sse-change",
            group: "bare",
            triggerUrl: bare.changeUrl,
            triggerBody: "{}",
            authorization,
            timeoutMs: CHANGE_TIMEOUT_MS,
          });
          missed += viaGateway.subscribers - viaGateway.received + viaBare.subscribers - viaBare.received;
          for (const ms of viaGateway.latencies) g.record(ms);
          for (const ms of viaBare.latencies) b.record(ms);
        }
        return { "gateway p99 ms": g.summary().p99, "bare p99 ms": b.summary().p99 };
      });
      const notes = [
        `${subscribers} subscribers, ${changes} changes per round (p99 over every subscriber of every change in a round); clients in the load-driver process`,
        "gateway latency includes the deposit itself: command, append, projector, Redis PUBLISH, one read of the change and one execution of the subscription shared by every subscriber",
        ...(missed > 0 ? [`${missed} pushes not received within ${CHANGE_TIMEOUT_MS} ms`] : []),
      ];
      return [
        row({
          id: "8",
          value: {
            label: `${subscribers} SSE subscribers, change → all received p99`,
            unit: "ms",
            summary: summarize(samples["gateway p99 ms"]),
          },
          baseline: {
            label: "bare node:http SSE p99",
            unit: "ms",
            summary: summarize(samples["bare p99 ms"]),
          },
          ratio: summarize(ratios(samples["gateway p99 ms"], samples["bare p99 ms"])),
          target: { text: "≤ 2.5×", on: "ratio", op: "<=", bound: 2.5 },
          notes,
        }),
      ];
    } finally {
      await driver.run({ kind: "sse-close", group: "gateway" }).catch(() => undefined);
      await driver.run({ kind: "sse-close", group: "bare" }).catch(() => undefined);
      await closeBare();
    }
  },
};
