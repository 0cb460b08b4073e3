import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { expect } from "vitest";
import type { EventStore } from "../../eventstore/port";
import { parsePosition } from "../../eventstore/position";
import { allProjectors } from "../../projectors/registry";
import { ProjectorRunner } from "../../projectors/runtime";
import { generationKeys, readModelKeys } from "../../readmodels/keys";
import { ViewGenerations } from "../../readmodels/generations";
import { deleteKeys, dumpKeys } from "./redis";
import { eventually } from "./service";

/** Waits until every projector under `prefix` has applied every event its filter takes. */
export async function caughtUp(
  store: EventStore,
  redis: Redis,
  prefix: string,
  timeoutMs = 60_000,
  only?: readonly string[],
): Promise<void> {
  const keys = readModelKeys(prefix);
  await eventually(async () => {
    for (const projector of allProjectors(keys)) {
      if (only && !only.includes(projector.name)) continue;
      const live = await new ViewGenerations(redis, keys).live(projector.name);
      const checkpoint = await redis.get(
        generationKeys(keys, projector.name, live).checkpoint(projector.name),
      );
      const behind = await store.countAfter(checkpoint ? parsePosition(checkpoint) : null, projector.filter);
      expect(behind, `${projector.name} is ${behind} events behind`).toBe(0);
    }
  }, timeoutMs);
}

/**
 * Builds every read model (or those named in `only`) from the log into a fresh prefix of the same
 * Redis, with consumer groups of its own, and returns its dump with the prefix taken off every key.
 */
export async function cleanRebuild(
  store: EventStore,
  redisUrl: string,
  only?: readonly string[],
): Promise<Record<string, unknown>> {
  const prefix = `rebuild:${randomBytes(6).toString("hex")}:`;
  const keys = readModelKeys(prefix);
  const redis = new Redis(redisUrl);
  const chosen = allProjectors(keys).filter((projector) => !only || only.includes(projector.name));
  const runners = chosen.map(
    (projector) =>
      new ProjectorRunner({
        store,
        redis,
        keys,
        projector,
        consumerName: "clean-rebuild",
        groupName: `${prefix}${projector.name}`,
        groupSettings: { batchSize: 500 },
      }),
  );
  try {
    for (const runner of runners) await runner.start();
    await caughtUp(store, redis, prefix, 120_000, only);
    for (const runner of runners) await runner.stop();
    return await readModels(redis, prefix);
  } finally {
    for (const runner of runners) await store.deleteConsumerGroup(runner.groupName).catch(() => undefined);
    await deleteKeys(prefix, redisUrl);
    await redis.quit();
  }
}

/** Every read-model key under a prefix with the prefix taken off (projector state reports left out). */
export async function readModels(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  // Projector state reports change every second; the store identity is bookkeeping, and the job
  // queues and job state are jobs: none of them is a view.
  const jobs = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(bull|jobs):`);
  const dump = await dumpKeys(redis, prefix, [/:state$/, /store-identity$/, jobs]);
  return Object.fromEntries(Object.entries(dump).map(([key, value]) => [key.slice(prefix.length), value]));
}
