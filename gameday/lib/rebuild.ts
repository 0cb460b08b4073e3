import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { EventStore } from "../../eventstore/port";
import { comparePositions, parsePosition } from "../../eventstore/position";
import { partitionName } from "../../projectors/partition";
import { allProjectors } from "../../projectors/registry";
import { ProjectorRunner } from "../../projectors/runtime";
import { generationKeys, viewKeys } from "../../readmodels/keys";
import { ViewGenerations } from "../../readmodels/generations";
import { connectTarget, deleteKeys, dumpKeys, keysOn, type RedisTarget } from "./redis-keys";

/** Waits until every projector under `prefix` has applied every event its filter takes. */
export async function waitCaughtUp(
  store: EventStore,
  redis: Redis,
  prefix: string,
  timeoutMs = 60_000,
  only?: readonly string[],
  /** How many partitions each projector runs as (each must have caught up). */
  partitions = 1,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const behind = Object.entries(await projectorsBehind(store, redis, prefix, { only, partitions })).filter(
      ([, n]) => n > 0,
    );
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `not caught up after ${timeoutMs} ms: ${behind.map(([name, n]) => `${name} ${n} behind`).join(", ")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Builds every read model (or those named in `only`) from the log into a fresh prefix of the same
 * Redis, with consumer groups of its own, and returns its dump with the prefix taken off every key.
 */
export async function cleanRebuild(
  store: EventStore,
  target: RedisTarget,
  only?: readonly string[],
): Promise<Record<string, unknown>> {
  const prefix = `rebuild:${randomBytes(6).toString("hex")}:`;
  const redis = connectTarget(target);
  const keys = keysOn(redis, prefix);
  const chosen = allProjectors(keys).filter((projector) => !only || only.includes(projector.name));
  const runners = chosen.map(
    (projector) =>
      new ProjectorRunner({
        store,
        redis,
        keys: viewKeys(keys, projector.name),
        projector,
        consumerName: "clean-rebuild",
        groupName: `${prefix}${projector.name}`,
        groupSettings: { batchSize: 500 },
      }),
  );
  try {
    for (const runner of runners) await runner.start();
    await waitCaughtUp(store, redis, prefix, 300_000, only);
    for (const runner of runners) await runner.stop();
    return await readModels(redis, prefix);
  } finally {
    for (const runner of runners) await store.deleteConsumerGroup(runner.groupName).catch(() => undefined);
    await deleteKeys(prefix, target);
    await redis.quit();
  }
}

/** Every read-model key under a prefix with the prefix taken off (projector state reports left out). */
export async function readModels(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  // Projector state reports change every second; the store identity is bookkeeping, and the job
  // queues and job state are jobs: none of them is a view.
  const jobs = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(bull|\\{bull\\}|jobs):`);
  const dump = await dumpKeys(redis, prefix, [/:state$/, /store-identity$/, jobs]);
  const models: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dump)) {
    const name = key.slice(prefix.length);
    // On a cluster each view's generation record also holds the store id (field "store"):
    // bookkeeping too. A record with nothing else is left out, as if never written.
    if (/^view:[^:]+:generation$/.test(name)) {
      const { store: _store, ...record } = value as Record<string, string>;
      if (Object.keys(record).length > 0) models[name] = record;
      continue;
    }
    models[name] = value;
  }
  return models;
}

/**
 * How far each projector (or those named in `only`) is behind the log, read straight from the
 * store and Redis (not from the gateways' reports, which are themselves in Redis): the events after
 * the oldest of its partitions' checkpoints, in its live generation; the whole log when a
 * partition has none.
 */
export async function projectorsBehind(
  store: EventStore,
  redis: Redis,
  prefix: string,
  options: { readonly partitions?: number; readonly only?: readonly string[] | undefined } = {},
): Promise<Record<string, number>> {
  const partitions = options.partitions ?? 1;
  const keys = keysOn(redis, prefix, partitions);
  const behind: Record<string, number> = {};
  for (const projector of allProjectors(keys)) {
    if (options.only && !options.only.includes(projector.name)) continue;
    const live = await new ViewGenerations(redis, keys).live(projector.name);
    const at = generationKeys(keys, projector.name, live);
    const names = Array.from({ length: partitions }, (_, i) =>
      partitions === 1 ? projector.name : partitionName(projector.name, i, partitions),
    );
    const checkpoints = await Promise.all(names.map((name) => redis.get(at.checkpoint(name))));
    const oldest = checkpoints.includes(null)
      ? null
      : checkpoints.map((text) => parsePosition(text!)).sort(comparePositions)[0]!;
    behind[projector.name] = await store.countAfter(oldest, projector.filter);
  }
  return behind;
}
