import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { anyKeyMatches, scanEach, unlinkKeys } from "./redis-nodes";
import { viewNames } from "./registry";

/**
 * Makes sure the read models under this prefix were built from the event store with this id. If
 * they were built from another one (or from an unknown one: checkpoints but no id), their keys are
 * deleted (the job queues stay), so the projectors rebuild from this log instead of trusting
 * checkpoints that point into a different log. Returns true when it had to forget.
 *
 * One Redis keeps one id for all views: it loses all of them or none. On a cluster each view keeps
 * the id in its own slot (its generation record, field "store") and is judged alone: a master that
 * came back empty costs the views it held a rebuild, never the views on the other masters.
 */
export async function adoptReadModels(redis: Redis, keys: ReadModelKeys, storeId: string): Promise<boolean> {
  if (keys.layout.cluster) {
    let forgot = false;
    for (const view of viewNames) forgot = (await adoptView(redis, keys, view, storeId)) || forgot;
    await redis.set(keys.storeIdentity(), storeId);
    return forgot;
  }
  const known = await redis.get(keys.storeIdentity());
  if (known === storeId) return false;
  const foreign = known !== null || (await anyKeyMatches(redis, keys.anyCheckpointPattern()));
  if (foreign) await deleteAll(redis, keys.everythingPattern(), (key) => !keys.isJobKey(key));
  await redis.set(keys.storeIdentity(), storeId);
  return foreign;
}

/** Records that the read models (of `view`, on a cluster) are being built from this store now. */
export async function markReadModels(
  redis: Redis,
  keys: ReadModelKeys,
  view: string,
  storeId: string,
): Promise<void> {
  await redis.set(keys.storeIdentity(), storeId);
  if (keys.layout.cluster) await redis.hset(keys.viewGeneration(view), "store", storeId);
}

/**
 * The cluster layout's check of one view: its id, else any checkpoint of any of its generations
 * (under each partition's prefix, for a view spread over them).
 */
async function adoptView(redis: Redis, keys: ReadModelKeys, view: string, storeId: string): Promise<boolean> {
  const record = keys.viewGeneration(view);
  const known = await redis.hget(record, "store");
  if (known === storeId) return false;
  const firsts = keys.generationPrefixes(view, 0);
  const rebuilt = keys.rebuiltGenerationPrefixes(view);
  let foreign = known !== null;
  for (const prefix of firsts) foreign ||= await anyKeyMatches(redis, `${prefix}projector:*:checkpoint`);
  for (const prefix of rebuilt) foreign ||= await anyKeyMatches(redis, `${prefix}*`);
  if (foreign) {
    for (const prefix of [...firsts, ...rebuilt]) await deleteAll(redis, `${prefix}*`, () => true);
    const partitions = keys.spreadOf(view) ?? 0;
    for (let p = 0; p < partitions; p++) await redis.del(keys.partitionGeneration(view, p));
    await redis.del(record);
  }
  await redis.hset(record, "store", storeId);
  return foreign;
}

/** Unlinks every key matching `pattern` that `select` picks, a SCAN page at a time. */
async function deleteAll(redis: Redis, pattern: string, select: (key: string) => boolean): Promise<void> {
  await scanEach(
    redis,
    pattern,
    1000,
    async (scanned) => void (await unlinkKeys(redis, scanned.filter(select))),
  );
}
