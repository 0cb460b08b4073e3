import type { Redis } from "ioredis";
import type { ReadModelKeys } from "./keys";
import { scanAll, scanEach, unlinkKeys } from "./redis-nodes";

/**
 * Makes sure the read models under this prefix were built from the event store with this id. If
 * they were built from another one (or from an unknown one: checkpoints but no id), every read-model
 * key under the prefix is deleted (the job queues stay), so the projectors rebuild from this log instead of trusting checkpoints
 * that point into a different log. Returns true when it had to forget.
 */
export async function adoptReadModels(redis: Redis, keys: ReadModelKeys, storeId: string): Promise<boolean> {
  const known = await redis.get(keys.storeIdentity());
  if (known === storeId) return false;
  const foreign = known !== null || (await anyKey(redis, keys.anyCheckpointPattern()));
  if (foreign) await deleteAll(redis, keys.everythingPattern(), (key) => !keys.isJobKey(key));
  await redis.set(keys.storeIdentity(), storeId);
  return foreign;
}

async function anyKey(redis: Redis, pattern: string): Promise<boolean> {
  return (await scanAll(redis, pattern)).length > 0;
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
