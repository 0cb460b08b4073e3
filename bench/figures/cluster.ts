import type { Redis } from "ioredis";
import { PrivateRedisCluster } from "../../gameday/lib/private-redis-cluster";
import { silentLog } from "../../projectors/log";
import { ProjectorRunner } from "../../projectors/runtime";
import { readModelKeys, viewKeys, type ReadModelKeys } from "../../readmodels/keys";
import { scanEach, unlinkKeys } from "../../readmodels/redis-nodes";
import { readModelLayout, views } from "../../readmodels/registry";
import { partitioned } from "../../projectors/partition";
import { clusterClient } from "../../server/redis";
import { nowMs, waitUntil } from "../lib/clock";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { seedAccounts, seedOrders } from "../lib/events";
import { row } from "../lib/report";
import { serviceWithAccount } from "../lib/setup";
import { ratios, summarize } from "../lib/stats";

/**
 * 9. The read side on a Redis Cluster of three masters (started for the figure on this machine,
 * cluster layout, declared keys) beside the one Redis, in the same run:
 * - (a) projector capacity: every view built from a log every view takes part of (one
 *   ProjectorRunner per view, as a service starting on an empty read side), events of the log per
 *   second;
 * - (c) the same with two projector partitions per view (both in this process), on one Redis and on
 *   the cluster in the spread layout (the views that can be, over one hash tag per partition);
 * - (b) `account(id)` through the whole gateway, req/s at saturation, the gateway's reads on the
 *   cluster client.
 * Both ratios are cluster over one Redis; all masters share this machine's cores with the rest.
 */
export const cluster: Figure = {
  id: "9",
  title: "Redis Cluster (3 masters) beside one Redis",
  async run(context) {
    const { load, env, driver, signal } = context;
    const redisCluster = await PrivateRedisCluster.start(3);
    env.track(() => redisCluster.stop());
    const nodes = redisCluster.ports.map((port) => ({ host: "127.0.0.1", port }));

    // (a) the log, then each round builds every view into both.
    const { store, schema } = await env.store("c9");
    await seedAccounts(store, {
      prefix: "bench-c",
      streams: load.cluster.streams,
      total: load.cluster.events,
    });
    await seedOrders(store, { prefix: "bench-co", orders: load.cluster.orders, customers: 200 });
    await env.analyze(schema);
    const events = await store.countAfter(null);
    const taken = new Map<string, number>();
    for (const view of Object.values(views)) {
      taken.set(view.name, await store.countAfter(null, view.projector(readModelKeys("")).filter));
    }
    const single = env.redis();
    const onCluster = clusterClient(nodes, { maxRetriesPerRequest: 3 });
    env.track(async () => void onCluster.disconnect());

    /** Builds every view, each by `partitions` runners (partition i of n each, as processes would). */
    const buildAll = async (redis: Redis, keys: ReadModelKeys, round: string, partitions = 1) => {
      const each = Object.values(views).flatMap((view) =>
        Array.from({ length: partitions }, (_, index) => {
          const at = viewKeys(keys, view.name);
          const whole = view.projector(at);
          const projector = partitions === 1 ? whole : partitioned(whole, index, partitions);
          return { view: view.name, projector: { ...projector, name: `${round}-${projector.name}` }, at };
        }),
      );
      const runners = each.map(
        ({ projector, at }) =>
          new ProjectorRunner({
            store,
            redis,
            keys: at,
            projector,
            consumerName: "bench-cluster",
            log: silentLog,
          }),
      );
      // Each partition counts every event its view takes (another partition's pass as no-ops).
      const names = each.map(({ view }) => view);
      const start = nowMs();
      await Promise.all(runners.map((runner) => runner.start()));
      await waitUntil(
        () => runners.every((runner, i) => runner.applied >= taken.get(names[i]!)!),
        "every view built",
        { timeoutMs: 600_000, everyMs: 2, signal },
      );
      const seconds = (nowMs() - start) / 1000;
      await Promise.all(runners.map((runner) => runner.stop()));
      for (const runner of runners) await store.deleteConsumerGroup(runner.groupName);
      await scanEach(redis, `${keys.prefix}*`, 1000, async (found) => void (await unlinkKeys(redis, found)));
      return events / seconds;
    };

    // (b) one service on each, the same account in each.
    const onOne = await serviceWithAccount(context, "c9_one");
    const onMany = await serviceWithAccount(context, "c9_cluster", {
      REDIS_URL: "",
      REDIS_CLUSTER_NODES: redisCluster.nodes,
    });
    const { connections } = load.query;
    let errors = 0;
    const measured = inRounds(context, async (round, warmup) => {
      const seconds = warmup ? load.query.seconds / 2 : load.query.seconds;
      const oneBuild = await buildAll(single, readModelKeys(env.prefix(`c9:one${round}`)), `one${round}`);
      const clusterBuild = await buildAll(
        onCluster,
        readModelKeys(env.prefix(`c9:cluster${round}`), env.prefix(`c9:cluster${round}`), { cluster: true }),
        `cluster${round}`,
      );
      // (c) two projector partitions per view: on one Redis, and on the cluster with the views that
      // can be spread over one hash tag per partition.
      const oneSplit = await buildAll(
        single,
        readModelKeys(env.prefix(`c9:one2p${round}`)),
        `one2p${round}`,
        2,
      );
      const spreadPrefix = env.prefix(`c9:spread${round}`);
      const spreadBuild = await buildAll(
        onCluster,
        readModelKeys(spreadPrefix, spreadPrefix, readModelLayout(true, 2)),
        `spread${round}`,
        2,
      );
      const query = (target: typeof onOne) =>
        driver.run({
          kind: "closed-loop",
          authorization: target.authorization,
          url: target.url,
          connections,
          seconds,
          bodies: [target.query],
        });
      const oneQueries = await query(onOne);
      const clusterQueries = await query(onMany);
      errors += oneQueries.errors + clusterQueries.errors;
      return {
        "one Redis, all views events/s": oneBuild,
        "cluster, all views events/s": clusterBuild,
        "one Redis, 2 partitions events/s": oneSplit,
        "cluster spread, 2 partitions events/s": spreadBuild,
        "one Redis, account(id) req/s": oneQueries.perSecond,
        "cluster, account(id) req/s": clusterQueries.perSecond,
      };
    });
    // The cluster's clients go before the cluster does (a client of a stopped cluster would retry).
    const samples = await measured.finally(async () => {
      await onMany.service.stop();
      onCluster.disconnect();
      await redisCluster.stop();
    });
    const notes = [
      `3 masters on this machine (no replicas), started for the figure; ${events} events (${load.cluster.events} in ${load.cluster.streams} account streams, ${load.cluster.orders} orders of 4 events)`,
      `account(id): ${connections} connections, ${load.query.seconds} s per measurement`,
      ...(errors > 0 ? [`${errors} failed requests`] : []),
    ];
    type Sample = keyof typeof samples;
    /** A row of the figure: the cluster's samples against one Redis's, same unit, ratio of the two. */
    const beside = (
      id: string,
      unit: string,
      cluster: { readonly label: string; readonly sample: Sample },
      one: { readonly label: string; readonly sample: Sample },
    ) =>
      row({
        id,
        value: { label: cluster.label, unit, summary: summarize(samples[cluster.sample]) },
        baseline: { label: one.label, unit, summary: summarize(samples[one.sample]) },
        ratio: summarize(ratios(samples[cluster.sample], samples[one.sample])),
        target: null,
        notes,
      });
    return [
      beside(
        "9a",
        "events/s",
        { label: "all views built, on the cluster", sample: "cluster, all views events/s" },
        { label: "the same, on one Redis", sample: "one Redis, all views events/s" },
      ),
      beside(
        "9b",
        "req/s",
        { label: "account(id), on the cluster", sample: "cluster, account(id) req/s" },
        { label: "account(id), on one Redis", sample: "one Redis, account(id) req/s" },
      ),
      beside(
        "9c",
        "events/s",
        {
          label: "all views built by 2 partitions each, on the cluster, spread views over 2 tags",
          sample: "cluster spread, 2 partitions events/s",
        },
        { label: "the same 2 partitions each, on one Redis", sample: "one Redis, 2 partitions events/s" },
      ),
    ];
  },
};
