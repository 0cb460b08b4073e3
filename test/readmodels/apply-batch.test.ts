import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReadModelWriter, type ViewUnit } from "../../readmodels/batch-writer";
import { deleteKeys, testRedisUrl } from "../support/redis";

const prefix = `test:${randomBytes(6).toString("hex")}:`;
let redis: Redis;
let writer: ReadModelWriter;

beforeAll(() => {
  redis = new Redis(testRedisUrl);
  writer = new ReadModelWriter(redis);
});
afterAll(async () => {
  await deleteKeys(prefix);
  await redis.quit();
});

const unit = (key: string, revision: number, position: string, by = 1, ok = true): ViewUnit => ({
  position,
  ok,
  guard: { key: `${prefix}${key}`, field: "revision", revision },
  ops: [["hincrby", `${prefix}${key}`, "count", String(by)]],
  notices: [[`${prefix}changes:${key}`, String(revision)]],
});

describe("apply-batch: guarded writes and the checkpoint in one atomic step", () => {
  it("applies in-order revisions, skips duplicates and refuses a gap, moving the checkpoint only over the unbroken prefix", async () => {
    const checkpoint = `${prefix}cp:1`;
    const first = await writer.apply(checkpoint, null, [
      unit("a", 0, "1:1"),
      unit("a", 1, "1:2"),
      unit("b", 0, "1:3"),
    ]);
    expect(first).toEqual({ kind: "ok", checkpoint: "1:3", units: ["applied", "applied", "applied"] });

    const second = await writer.apply(checkpoint, "1:3", [
      unit("a", 1, "1:2"), // duplicate
      unit("b", 2, "2:1"), // gap: revision 1 of b is missing
      unit("a", 2, "2:2"), // applies, but the checkpoint stays before the gap
    ]);
    expect(second).toEqual({ kind: "ok", checkpoint: null, units: ["duplicate", "gap", "applied"] });
    expect(await redis.get(checkpoint)).toBe("1:3");
    expect(await redis.hgetall(`${prefix}a`)).toEqual({ revision: "2", count: "3" });
    expect(await redis.hgetall(`${prefix}b`)).toEqual({ revision: "0", count: "1" });
  });

  it("writes nothing for a failed unit and holds the checkpoint before it", async () => {
    const checkpoint = `${prefix}cp:2`;
    const outcome = await writer.apply(checkpoint, null, [
      unit("c", 0, "5:1"),
      unit("d", 0, "5:2", 1, false),
      unit("c", 1, "5:3"),
    ]);
    expect(outcome).toEqual({ kind: "ok", checkpoint: "5:1", units: ["applied", "failed", "applied"] });
    expect(await redis.exists(`${prefix}d`)).toBe(0);
  });

  it("never moves the checkpoint backwards", async () => {
    const checkpoint = `${prefix}cp:3`;
    await writer.apply(checkpoint, null, [unit("e", 0, "9:9")]);
    const replay = await writer.apply(checkpoint, "9:9", [unit("e", 0, "9:9")]);
    expect(replay).toEqual({ kind: "ok", checkpoint: null, units: ["duplicate"] });
    const older = await writer.apply(checkpoint, "9:9", [unit("f", 0, "8:1")]);
    expect(older).toMatchObject({ checkpoint: null, units: ["applied"] });
    expect(await redis.get(checkpoint)).toBe("9:9");
  });

  it("reports a lost checkpoint and writes nothing when Redis forgot it", async () => {
    const checkpoint = `${prefix}cp:4`;
    const outcome = await writer.apply(checkpoint, "3:3", [unit("g", 0, "4:1")]);
    expect(outcome).toEqual({ kind: "lost" });
    expect(await redis.exists(`${prefix}g`)).toBe(0);
  });

  it("publishes one notice per changed key, and none for duplicates", async () => {
    const listener = new Redis(testRedisUrl);
    const seen: string[] = [];
    await listener.subscribe(`${prefix}changes:h`);
    listener.on("message", (_channel, message) => seen.push(message));
    const checkpoint = `${prefix}cp:5`;
    await writer.apply(checkpoint, null, [unit("h", 0, "1:1"), unit("h", 1, "1:2")]);
    await writer.apply(checkpoint, "1:2", [unit("h", 1, "1:2")]);
    await writer.apply(checkpoint, "1:2", [unit("h", 2, "1:3")]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(["1", "2"]);
    await listener.quit();
  });
});
