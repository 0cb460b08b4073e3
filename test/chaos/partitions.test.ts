import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { parsePosition } from "../../eventstore/position";
import { partitionName, partitionOf } from "../../projectors/partition";
import { allProjectors } from "../../projectors/registry";
import { createPostgresTestStore } from "../support/eventstores";
import { startProjectorPartitions } from "../support/partitions";
import { appendMixedLoad } from "../support/load";
import { connectTarget, keysOn } from "../../gameday/lib/redis-keys";
import { viewKeys } from "../../readmodels/keys";
import { ownRedis } from "../support/redis-target";
import { cleanRebuild, readModels, viewsOnly } from "../support/rebuild";
import { eventually } from "../support/service";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("a busy projector split into partitions by stream", () => {
  it("shares the work between two processes and ends with the same views as one projector", async () => {
    const es = await createPostgresTestStore();
    cleanups.push(() => es.close());
    const redis = await ownRedis();
    cleanups.push(() => redis.stop());
    const prefix = `part:${randomBytes(4).toString("hex")}:`;
    for (const process of startProjectorPartitions({
      schema: es.schema,
      target: redis.target,
      prefix,
      count: 2,
      name: "partition",
    })) {
      cleanups.push(async () => void (await process.kill()));
    }
    const client = connectTarget(redis.target);
    cleanups.push(async () => void client.disconnect());

    await appendMixedLoad(es.store, { seed: 9, events: 3_000, tag: "p" });
    const keys = keysOn(client, prefix, 2);
    await eventually(async () => {
      for (const projector of allProjectors(keys)) {
        for (const index of [0, 1]) {
          const checkpoint = await client.get(
            viewKeys(keys, projector.name).checkpoint(partitionName(projector.name, index, 2)),
          );
          const behind = await es.store.countAfter(
            checkpoint ? parsePosition(checkpoint) : null,
            projector.filter,
          );
          expect(behind, `${projector.name} partition ${index}`).toBe(0);
        }
      }
    }, 60_000);

    // Each partition has its own consumer group, held by its own process.
    for (const index of [0, 1]) {
      const group = await es.store.getConsumerGroup(`projector-${partitionName("accounts", index, 2)}`);
      expect(group?.activeConsumer).toBe(`partition-${index}`);
    }
    // The streams really are split: both partitions own some.
    const streams = Object.keys(await client.hgetall(viewKeys(keys, "inventory").ledger("inventory")));
    expect(new Set(streams.map((stream) => partitionOf(stream, 2)))).toEqual(new Set([0, 1]));

    const incremental = viewsOnly(await readModels(client, prefix));
    const rebuilt = viewsOnly(await cleanRebuild(es.store, redis.target));
    expect(Object.keys(incremental).length).toBeGreaterThan(500);
    expect(incremental).toEqual(rebuilt);
  }, 300_000);
});
