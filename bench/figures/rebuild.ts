import { accountsProjector } from "../../readmodels/accounts";
import { silentLog } from "../../projectors/log";
import { ProjectorRunner } from "../../projectors/runtime";
import { rebuildView } from "../../jobs/rebuild";
import { ViewGenerations } from "../../readmodels/generations";
import { readModelKeys } from "../../readmodels/keys";
import { nowMs, waitUntil } from "../lib/clock";
import { deleteKeys } from "../lib/env";
import type { Figure } from "../lib/figure";
import { inRounds } from "../lib/figure";
import { seedAccounts } from "../lib/events";
import { row } from "../lib/report";
import { ratios, summarize } from "../lib/stats";

const HSET_PIPELINE = 1_000;

/**
 * 6. Full rebuild: a fresh ProjectorRunner (its own consumer group, an empty key prefix) reads the
 * whole log through the persistent subscription and writes every event through the atomic Lua
 * batch writer, against (a) the same log read through a consumer group whose handler only acks,
 * and (b) pipelined HSETs from ioredis, 1,000 per pipeline, the Redis write ceiling from Node.
 */
export const rebuild: Figure = {
  id: "6",
  title: "full rebuild into an empty Redis",
  async run(context) {
    const { load, env, signal } = context;
    const { store, schema } = await env.store("r6");
    const redis = env.redis();
    const total = load.rebuild.events;
    let lastShown = 0;
    const seedStart = nowMs();
    await seedAccounts(store, { prefix: "bench-r", streams: load.rebuild.streams, total }, (appended) => {
      if (appended - lastShown >= 50_000) {
        lastShown = appended;
        context.progress(`seeding the log: ${appended} events`);
      }
    });
    await env.analyze(schema);
    const events = await store.countAfter(null);
    context.progress(`log seeded: ${events} events in ${((nowMs() - seedStart) / 1000).toFixed(1)} s`);

    const samples = await inRounds(context, async (round) => {
      const prefix = env.prefix(`r6:${round}`);
      const keys = readModelKeys(prefix);
      const projector = { ...accountsProjector(keys), name: `rebuild-${round}` };
      const runner = new ProjectorRunner({
        store,
        redis,
        keys,
        projector,
        consumerName: "bench-rebuild",
        log: silentLog,
      });
      const rebuildStart = nowMs();
      await runner.start();
      await waitUntil(() => runner.applied >= events, "the rebuild", {
        timeoutMs: 600_000,
        everyMs: 2,
        signal,
      });
      const rebuildSeconds = (nowMs() - rebuildStart) / 1000;
      await runner.stop();
      await store.deleteConsumerGroup(`projector-rebuild-${round}`);

      const group = `noop-${round}`;
      await store.createConsumerGroup(group, { startFrom: "start", filter: projector.filter });
      const subscription = store.subscribe(group, { consumerName: "bench-noop" });
      const readStart = nowMs();
      let read = 0;
      for await (const batch of subscription.batches()) {
        await subscription.ack(batch);
        read += batch.length;
        if (read >= events) break;
      }
      const readSeconds = (nowMs() - readStart) / 1000;
      await subscription.close();
      await store.deleteConsumerGroup(group);

      const hsetStart = nowMs();
      for (let done = 0; done < events; done += HSET_PIPELINE) {
        const pipeline = redis.pipeline();
        for (let i = done; i < Math.min(events, done + HSET_PIPELINE); i++) {
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
        "rebuild job events/s": rebuilt.events / jobSeconds,
        "rebuild events/s": events / rebuildSeconds,
        "no-op read events/s": read / readSeconds,
        "HSET ops/s": events / hsetSeconds,
      };
    });
    const notes = [
      `${events} events in ${load.rebuild.streams} account streams; consumer-group batches of the default size; the rebuild includes runner start and every change notice`,
      "tables ANALYZEd after seeding (as autovacuum would have): without statistics the consumer-group fetch scans and sorts every event after the checkpoint for each batch",
    ];
    const rebuilt = summarize(samples["rebuild events/s"]);
    const noop = summarize(samples["no-op read events/s"]);
    return [
      row({
        id: "6a",
        value: { label: "rebuild", unit: "events/s", summary: rebuilt },
        baseline: {
          label: "same log, no-op handler",
          unit: "events/s",
          summary: summarize(samples["no-op read events/s"]),
        },
        ratio: summarize(ratios(samples["rebuild events/s"], samples["no-op read events/s"])),
        target: { text: "≥ 0.5×", on: "ratio", op: ">=", bound: 0.5 },
        notes,
      }),
      row({
        id: "6b",
        value: { label: "rebuild", unit: "events/s", summary: rebuilt },
        baseline: { label: "pipelined HSET", unit: "ops/s", summary: summarize(samples["HSET ops/s"]) },
        ratio: summarize(ratios(samples["rebuild events/s"], samples["HSET ops/s"])),
        target: { text: "≥ 100,000 events/s", on: "value", op: ">=", bound: 100_000 },
        notes,
      }),
      row({
        id: "6c",
        value: {
          label: "rebuild job",
          unit: "events/s",
          summary: summarize(samples["rebuild job events/s"]),
        },
        baseline: { label: "same log, no-op handler", unit: "events/s", summary: noop },
        ratio: summarize(ratios(samples["rebuild job events/s"], samples["no-op read events/s"])),
        target: { text: "≥ 0.5×", on: "ratio", op: ">=", bound: 0.5 },
        notes: [
          "the accounts view rebuilt as `npm run rebuild` does it: a new generation built from the log in pages of 1,000, fenced writes without notices, then the switch",
        ],
      }),
    ];
  },
};
