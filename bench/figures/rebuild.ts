import { accountsProjector } from "../../readmodels/accounts";
import { silentLog } from "../../projectors/log";
import { ProjectorRunner } from "../../projectors/runtime";
import { rebuildView } from "../../jobs/rebuild";
import { ViewGenerations } from "../../readmodels/generations";
import { readModelKeys, type ReadModelKeys } from "../../readmodels/keys";
import type { Projector } from "../../projectors/projector";
import { allProjectors } from "../../readmodels/registry";
import type { EventFilter, EventStore } from "../../eventstore/port";
import { nowMs, waitUntil } from "../lib/clock";
import { deleteKeys } from "../lib/env";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { seedAccounts, seedOrders } from "../lib/events";
import { row } from "../lib/report";
import { ratios, summarize } from "../lib/stats";

const HSET_PIPELINE = 1_000;

/**
 * 6. Rebuilds into an empty Redis, of a log that every view takes part of (account histories, then
 * paid, shipped and delivered orders):
 * - (a) every view at once, as a service starting on an empty Redis rebuilds them: one
 *   ProjectorRunner per view (each its own consumer group, in one process), against the whole log
 *   read through a consumer group whose handler only acks;
 * - (b) one view (accounts) the same way, against the same no-op read of the events it takes;
 * - (c) the accounts view as the rebuild job builds it (pages read straight from the log, a new
 *   generation, the switch), against the same no-op read;
 * - (d) (b) against pipelined HSETs from ioredis, 1,000 per pipeline: the Redis write ceiling from Node.
 */
export const rebuild: Figure = {
  id: "6",
  title: "full rebuild into an empty Redis",
  async run(context) {
    const { load, env, signal } = context;
    const { store, schema } = await env.store("r6");
    const redis = env.redis();
    let lastShown = 0;
    const seedStart = nowMs();
    await seedAccounts(
      store,
      { prefix: "bench-r", streams: load.rebuild.streams, total: load.rebuild.events },
      (appended) => {
        if (appended - lastShown >= 50_000) {
          lastShown = appended;
          context.progress(`seeding the log: ${appended} account events`);
        }
      },
    );
    await seedOrders(store, { prefix: "bench-o", orders: load.rebuild.orders, customers: 500 });
    await env.analyze(schema);
    const events = await store.countAfter(null);
    const accounts = accountsProjector(readModelKeys(""));
    const accountsFilter = accounts.filter;
    const taken = new Map<string, number>();
    for (const projector of allProjectors(readModelKeys(""))) {
      taken.set(projector.name, await store.countAfter(null, projector.filter));
    }
    const accountEvents = taken.get(accounts.name)!;
    context.progress(
      `log seeded: ${events} events (${accountEvents} of accounts) in ${((nowMs() - seedStart) / 1000).toFixed(1)} s`,
    );

    /** Runs the projectors `make` gives on fresh consumer groups until each has applied what its filter takes. */
    const rebuildWith = async (round: string, make: (keys: ReadModelKeys) => Projector[]) => {
      const keys = readModelKeys(env.prefix(`r6:${round}`));
      const projectors = make(keys);
      const runners = projectors.map(
        (projector) =>
          new ProjectorRunner({
            store,
            redis,
            keys,
            projector: { ...projector, name: `${round}-${projector.name}` },
            consumerName: "bench-rebuild",
            log: silentLog,
          }),
      );
      const start = nowMs();
      await Promise.all(runners.map((runner) => runner.start()));
      await waitUntil(
        () => runners.every((runner, i) => runner.applied >= taken.get(projectors[i]!.name)!),
        "the rebuild",
        { timeoutMs: 600_000, everyMs: 2, signal },
      );
      const seconds = (nowMs() - start) / 1000;
      await Promise.all(runners.map((runner) => runner.stop()));
      for (const runner of runners) await store.deleteConsumerGroup(runner.groupName);
      await deleteKeys(env.prefix(`r6:${round}`));
      return seconds;
    };

    const samples = await inRounds(context, async (round) => {
      const prefix = env.prefix(`r6:${round}`);
      const allSeconds = await rebuildWith(`all${round}`, allProjectors);
      const oneSeconds = await rebuildWith(`one${round}`, (at) => [accountsProjector(at)]);
      const noopAll = await noopRead(store, `noop-all-${round}`, undefined, events);
      const noopAccounts = await noopRead(store, `noop-accounts-${round}`, accountsFilter, accountEvents);

      const hsetStart = nowMs();
      for (let done = 0; done < accountEvents; done += HSET_PIPELINE) {
        const pipeline = redis.pipeline();
        for (let i = done; i < Math.min(accountEvents, done + HSET_PIPELINE); i++) {
          pipeline.hset(
            `${prefix}hset:${i % load.rebuild.streams}`,
            "position",
            String(i),
            "updatedAt",
            "2025-01-01T00:00:00.000Z",
          );
        }
        await pipeline.exec();
      }
      const hsetSeconds = (nowMs() - hsetStart) / 1000;
      await deleteKeys(prefix);

      // The same view rebuilt as the rebuild job does it (a new generation beside the live one,
      // the log read in pages, the switch), without the job queue around it.
      const jobPrefix = env.prefix(`r6job:${round}`);
      const jobKeys = readModelKeys(jobPrefix);
      const { generation } = (await new ViewGenerations(redis, jobKeys).begin("accounts", null))!;
      const jobStart = nowMs();
      const rebuilt = await rebuildView(
        {
          log: store,
          redis,
          keys: jobKeys,
          projectorAt: (at) => accountsProjector(at),
          partitions: 1,
          pageSize: 1_000,
          retireAfterMs: 0,
          onProgress: () => undefined,
        },
        "accounts",
        generation,
      );
      const jobSeconds = (nowMs() - jobStart) / 1000;
      await deleteKeys(jobPrefix);
      return {
        "all views events/s": events / allSeconds,
        "accounts events/s": accountEvents / oneSeconds,
        "rebuild job events/s": rebuilt.events / jobSeconds,
        "no-op read events/s": noopAll,
        "no-op read, accounts filter events/s": noopAccounts,
        "HSET ops/s": accountEvents / hsetSeconds,
      };
    });
    const notes = [
      `${events} events: ${accountEvents} in ${load.rebuild.streams} account streams, ${load.rebuild.orders} orders of 4 events; consumer-group batches of the default size; a rebuild includes runner start and every change notice`,
      `all views: ${[...taken].map(([name, count]) => `${name} ${count}`).join(", ")} events taken; the rate counts the log's events`,
      "tables ANALYZEd after seeding (as autovacuum would have): without statistics the consumer-group fetch scans and sorts every event after the checkpoint for each batch",
    ];
    const one = summarize(samples["accounts events/s"]);
    const noopAccounts = {
      label: "the same events, no-op handler",
      unit: "events/s",
      summary: summarize(samples["no-op read, accounts filter events/s"]),
    };
    return [
      row({
        id: "6a",
        value: {
          label: "rebuild, all views",
          unit: "events/s",
          summary: summarize(samples["all views events/s"]),
        },
        baseline: {
          label: "whole log, no-op handler",
          unit: "events/s",
          summary: summarize(samples["no-op read events/s"]),
        },
        ratio: summarize(ratios(samples["all views events/s"], samples["no-op read events/s"])),
        target: { text: "≥ 0.5×", on: "ratio", op: ">=", bound: 0.5 },
        notes,
      }),
      row({
        id: "6b",
        value: { label: "rebuild, accounts view", unit: "events/s", summary: one },
        baseline: noopAccounts,
        ratio: summarize(
          ratios(samples["accounts events/s"], samples["no-op read, accounts filter events/s"]),
        ),
        target: { text: "≥ 0.5×", on: "ratio", op: ">=", bound: 0.5 },
        notes,
      }),
      row({
        id: "6c",
        value: {
          label: "rebuild job, accounts view",
          unit: "events/s",
          summary: summarize(samples["rebuild job events/s"]),
        },
        baseline: noopAccounts,
        ratio: summarize(
          ratios(samples["rebuild job events/s"], samples["no-op read, accounts filter events/s"]),
        ),
        target: { text: "≥ 0.5×", on: "ratio", op: ">=", bound: 0.5 },
        notes: [
          "the accounts view rebuilt as `npm run rebuild` does it: a new generation built from the log in pages of 1,000, fenced writes without notices, then the switch",
        ],
      }),
      row({
        id: "6d",
        value: { label: "rebuild, accounts view", unit: "events/s", summary: one },
        baseline: { label: "pipelined HSET", unit: "ops/s", summary: summarize(samples["HSET ops/s"]) },
        ratio: summarize(ratios(samples["accounts events/s"], samples["HSET ops/s"])),
        target: null,
        notes,
      }),
    ];
  },
};

/** The log (or the events `filter` takes) read through a fresh consumer group that only acks. */
async function noopRead(store: EventStore, group: string, filter: EventFilter | undefined, events: number) {
  await store.createConsumerGroup(group, { startFrom: "start", ...(filter && { filter }) });
  const subscription = store.subscribe(group, { consumerName: "bench-noop" });
  const start = nowMs();
  let read = 0;
  for await (const batch of subscription.batches()) {
    await subscription.ack(batch);
    read += batch.length;
    if (read >= events) break;
  }
  const seconds = (nowMs() - start) / 1000;
  await subscription.close();
  await store.deleteConsumerGroup(group);
  return read / seconds;
}
