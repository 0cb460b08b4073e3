import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import type { EventStore } from "../../eventstore/port";
import { readModelKeys, type ReadModelKeys } from "../../readmodels/keys";
import { createPostgresTestStore, type TestEventStore } from "./eventstores";
import { deleteKeys, testRedisUrl } from "../../gameday/lib/redis-keys";

/** What a suite of projector or job tests works on: its own store schema, Redis and key prefix. */
export interface StoreAndRedis {
  readonly prefix: string;
  readonly keys: ReadModelKeys;
  /** Set once the suite's `beforeAll` has run. */
  es: TestEventStore;
  store: EventStore;
  redis: Redis;
}

/**
 * Registers the suite's set-up and clean-up: a fresh PostgreSQL schema, a Redis connection and a
 * key prefix of its own (so files run in parallel), `seed` run once on the new store; all removed
 * after the suite.
 */
export function storeAndRedis(
  seed?: (store: EventStore) => Promise<unknown>,
  seedTimeoutMs = 60_000,
): StoreAndRedis {
  const prefix = `test:${randomBytes(6).toString("hex")}:`;
  const handle = { prefix, keys: readModelKeys(prefix) } as StoreAndRedis;
  beforeAll(async () => {
    handle.es = await createPostgresTestStore();
    handle.store = handle.es.store;
    handle.redis = new Redis(testRedisUrl);
    await seed?.(handle.store);
  }, seedTimeoutMs);
  afterAll(async () => {
    await handle.es?.close();
    await deleteKeys(prefix);
    await handle.redis?.quit();
  });
  return handle;
}
