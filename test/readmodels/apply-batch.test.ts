import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  joinAdjacentHashWrites,
  ReadModelWriter,
  type ViewOp,
  type ViewUnit,
} from "../../readmodels/batch-writer";
import { snapshotMark, snapshotOf } from "../../readmodels/view-history";
import { deleteKeys, dumpKeys, testRedisUrl } from "../../gameday/lib/redis-keys";

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

  it("checks a whole unit before its first write: a failing operation mid-unit leaves Redis exactly as before that unit", async () => {
    const checkpoint = `${prefix}cp:6`;
    const k = (name: string) => `${prefix}aon:${name}`;
    // Another view's keys the bad unit runs into: a stream and a hash holding text.
    await redis.xadd(k("history"), "1-1", "view", "{}");
    await redis.hset(k("view"), "balance", "not-a-number");
    await writer.apply(checkpoint, null, [unit("aon:before", 0, "10:1")]);
    const before = await dumpKeys(redis, `${prefix}aon:`);

    const bad = (position: string, ops: ViewUnit["ops"]): ViewUnit => ({
      position,
      ok: true,
      guard: { key: k("account"), field: "revision", revision: 0 },
      ops,
      notices: [[`${prefix}changes:aon`, "1"]],
    });
    const cases: [ViewUnit["ops"], RegExp][] = [
      // WRONGTYPE half-way: the hset and the hincrby before it must not stay.
      [
        [
          ["hset", k("account"), "balance", "100"],
          ["hincrby", k("totals"), "count", "1"],
          ["hset", k("history"), "view", "{}"],
          ["zadd", k("index"), "1", "a"],
        ],
        /hset needs a hash at .*aon:history, which holds a stream/,
      ],
      [
        [
          ["zadd", k("index"), "1", "a"],
          ["hincrby", k("view"), "balance", "5"],
        ],
        /hincrby on .*aon:view balance, which holds no integer/,
      ],
      [[["hset", k("account"), "balance", "1"], ["eval", k("account"), "x"] as never], /not allowed: eval/],
      [[["zadd", k("index"), "not-a-score", "a"]], /numeric score/],
      [
        [
          ["hincrby", k("totals"), "count", "9007199254740991"],
          ["hincrby", k("totals"), "count", "1"],
        ],
        /overflow/,
      ],
      [[["xappend", k("stream"), "not-an-id", "0", "f", "v"]], /entry id/],
      [[["snapshot", k("stream"), "1-1", "10", k("history")]], /snapshot reads a hash/],
    ];
    for (const [i, [ops, reason]] of cases.entries()) {
      const position = `11:${i + 1}`;
      const outcome = await writer.apply(checkpoint, "10:1", [
        bad(position, ops),
        unit("aon:after", i, `12:${i + 1}`),
      ]);
      expect(outcome.kind).toBe("ok");
      if (outcome.kind !== "ok") continue;
      // Failed (never a duplicate), with the reason; the other stream's unit applied; checkpoint held.
      expect(outcome.units, `case ${i}`).toEqual(["failed", "applied"]);
      expect(outcome.refusals?.get(0)).toMatch(reason);
      expect(outcome.checkpoint).toBeNull();
      expect(await redis.get(checkpoint)).toBe("10:1");
      // The bad unit wrote nothing at all: not its guard, not the writes before the failing one.
      expect(await dumpKeys(redis, `${prefix}aon:`, [/aon:after/])).toEqual(before);
      // Tried again, it fails again (it is never taken for a duplicate of itself).
      const again = await writer.apply(checkpoint, "10:1", [bad(position, ops)]);
      expect(again).toMatchObject({ units: ["failed"], checkpoint: null });
    }
    expect(await redis.hget(`${prefix}aon:after`, "revision")).toBe(String(cases.length - 1));
  });

  it("judges a key's type by what the earlier units of the same batch left: written, emptied or deleted", async () => {
    const checkpoint = `${prefix}cp:types`;
    const k = (name: string) => `${prefix}types:${name}`;
    const step = (revision: number, ops: ViewUnit["ops"]): ViewUnit => ({
      position: `20:${revision + 1}`,
      ok: true,
      guard: { key: k("guard"), field: "g", revision },
      ops,
      notices: [],
    });
    const outcome = await writer.apply(checkpoint, null, [
      step(0, [["hset", k("a"), "f", "1"]]),
      // A hash now: a sorted-set write to it is refused.
      step(1, [["zadd", k("a"), "1", "m"]]),
      // Its last field removed, the key is gone: it may become a sorted set.
      step(1, [["hdel", k("a"), "f"]]),
      step(2, [["zadd", k("a"), "1", "m"]]),
      // Deleted, then written as a hash in the same unit; then a set write is refused.
      step(3, [
        ["del", k("a")],
        ["hset", k("a"), "x", "y"],
      ]),
      step(4, [["sadd", k("a"), "s"]]),
    ]);
    expect(outcome).toMatchObject({
      kind: "ok",
      units: ["applied", "failed", "applied", "applied", "applied", "failed"],
    });
    if (outcome.kind !== "ok") return;
    expect(outcome.refusals?.get(1)).toMatch(/zadd needs a zset at .*types:a, which holds a hash/);
    expect(outcome.refusals?.get(5)).toMatch(/sadd needs a set at .*types:a, which holds a hash/);
    expect(await redis.type(k("a"))).toBe("hash");
    expect(await redis.hgetall(k("a"))).toEqual({ x: "y" });
  });

  it("refuses a unit whose guard is not a revision, instead of counting it as missing", async () => {
    const checkpoint = `${prefix}cp:7`;
    await redis.hset(`${prefix}guarded`, "revision", "garbage");
    const outcome = await writer.apply(checkpoint, null, [unit("guarded", 0, "20:1")]);
    expect(outcome).toMatchObject({ units: ["failed"], checkpoint: null });
    expect(await redis.hgetall(`${prefix}guarded`)).toEqual({ revision: "garbage" });
  });

  it("increments a field the hash does not have yet from zero", async () => {
    const key = `${prefix}fresh-field`;
    await redis.hset(key, "other", "x");
    const outcome = await writer.apply(`${prefix}cp:8`, null, [
      { position: "30:1", ok: true, guard: null, ops: [["hincrby", key, "count", "3"]], notices: [] },
    ]);
    expect(outcome).toMatchObject({ units: ["applied"], checkpoint: "30:1" });
    expect(await redis.hget(key, "count")).toBe("3");
  });

  it("snapshots a view as its fields after the mark, each unit reading the hash as its own guard left it", async () => {
    const view = `${prefix}snap:view`;
    const own = `${prefix}snap:own`;
    const all = `${prefix}snap:all`;
    const guard = (revision: number) => ({ key: view, field: "revision", revision });
    const outcome = await writer.apply(`${prefix}cp:9`, null, [
      {
        position: "40:1",
        ok: true,
        guard: guard(0),
        ops: [
          ["hset", view, "status", "placed"],
          ["snapshot", own, "40-1", "10", view],
          ["snapshot", all, "40-1", "10", view],
        ],
        notices: [],
      },
      // Its first op is a snapshot: it must see the revision this unit's guard just wrote, not the
      // hash as the unit before left it.
      {
        position: "40:2",
        ok: true,
        guard: guard(1),
        ops: [["snapshot", own, "40-2", "10", view]],
        notices: [],
      },
      {
        position: "40:3",
        ok: true,
        guard: guard(2),
        ops: [
          ["hset", view, "status", "paid"],
          ["snapshot", own, "40-3", "10", view],
          ["hdel", view, "status"],
          ["snapshot", all, "40-3", "10", view],
        ],
        notices: [],
      },
    ]);
    expect(outcome).toMatchObject({ units: ["applied", "applied", "applied"] });
    const views = async (key: string) =>
      (await redis.xrange(key, "-", "+")).map(([id, fields]) => [
        id,
        fields[0],
        fields[1],
        snapshotOf(fields),
      ]);
    expect(await views(own)).toEqual([
      ["40-1", snapshotMark, "", { revision: "0", status: "placed" }],
      ["40-2", snapshotMark, "", { revision: "1", status: "placed" }],
      ["40-3", snapshotMark, "", { revision: "2", status: "paid" }],
    ]);
    expect(await views(all)).toEqual([
      ["40-1", snapshotMark, "", { revision: "0", status: "placed" }],
      ["40-3", snapshotMark, "", { revision: "2" }],
    ]);
  });
});

describe("view history entries", () => {
  it("compare equal in either form, whatever order the hash kept its fields in", async () => {
    await redis.xadd(`${prefix}forms:a:history`, "1-1", "view", '{"balance":"5","revision":"1"}');
    await redis.xadd(`${prefix}forms:b:history`, "1-1", snapshotMark, "", "revision", "1", "balance", "5");
    const dump = await dumpKeys(redis, `${prefix}forms:`);
    expect(dump[`${prefix}forms:a:history`]).toEqual(dump[`${prefix}forms:b:history`]);
    await redis.xadd(`${prefix}forms:b:history`, "1-2", snapshotMark, "", "balance", "6");
    const changed = await dumpKeys(redis, `${prefix}forms:`);
    expect(changed[`${prefix}forms:a:history`]).not.toEqual(changed[`${prefix}forms:b:history`]);
  });

  it("refuse an operation too long for one Redis call before the unit's first write", async () => {
    const key = `${prefix}long:view`;
    const fields = Array.from({ length: 7_100 }, (_, i) => String(i));
    const outcome = await writer.apply(`${prefix}cp:11`, null, [
      {
        position: "46:1",
        ok: true,
        guard: { key, field: "revision", revision: 0 },
        ops: [
          ["hset", key, "status", "open"],
          ["hset", `${prefix}long:other`, ...fields],
        ],
        notices: [],
      },
    ]);
    expect(outcome).toMatchObject({ units: ["failed"], checkpoint: null });
    expect(outcome.kind === "ok" && outcome.refusals?.get(0)).toMatch(/more than 7000 parts/);
    expect(await redis.exists(key, `${prefix}long:other`)).toBe(0);
  });

  it("hold a hash too large for one call's arguments in the earlier JSON form, which reads the same", async () => {
    const view = `${prefix}large:view`;
    const history = `${prefix}large:history`;
    const fields = Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`f${i}`, String(i)]));
    await redis.hset(view, fields);
    const outcome = await writer.apply(`${prefix}cp:10`, null, [
      {
        position: "45:1",
        ok: true,
        guard: null,
        ops: [["snapshot", history, "45-1", "10", view]],
        notices: [],
      },
    ]);
    expect(outcome).toMatchObject({ units: ["applied"] });
    const [[, entry]] = (await redis.xrange(history, "-", "+")) as [[string, string[]]];
    expect(entry[0]).toBe("view");
    expect(snapshotOf(entry)).toEqual(fields);

    // Just under the limit, the hash's own fields still go in one call.
    const near = `${prefix}large:near`;
    const nearFields = Object.fromEntries(Array.from({ length: 3_490 }, (_, i) => [`f${i}`, String(i)]));
    await redis.hset(near, nearFields);
    await writer.apply(`${prefix}cp:10`, null, [
      {
        position: "45:2",
        ok: true,
        guard: null,
        ops: [["snapshot", history, "45-2", "10", near]],
        notices: [],
      },
    ]);
    const [, [, nearEntry]] = (await redis.xrange(history, "-", "+")) as [unknown, [string, string[]]];
    expect(nearEntry[0]).toBe(snapshotMark);
    expect(snapshotOf(nearEntry)).toEqual(nearFields);
  });

  it("read the view from a snapshot of either format: its fields after the mark, or the earlier JSON", () => {
    expect(snapshotOf([snapshotMark, "", "balance", "5", "view", "{}"])).toEqual({
      balance: "5",
      view: "{}",
    });
    expect(snapshotOf([snapshotMark, ""])).toEqual({});
    expect(snapshotOf(["view", '{"balance":"5","revision":"1"}'])).toEqual({ balance: "5", revision: "1" });
  });
});

describe("joinAdjacentHashWrites", () => {
  it("writes each run of hsets to one key as one hset, in order, and leaves everything else as it was", () => {
    expect(
      joinAdjacentHashWrites([
        ["hset", "a", "x", "1"],
        ["hset", "a", "y", "2", "x", "3"],
        ["hset", "b", "x", "1"],
        ["zadd", "z", "1", "m"],
        ["hset", "b", "y", "2"],
        ["hset", "b", "z"],
        ["hset", "b", "w", "4"],
      ]),
    ).toEqual([
      ["hset", "a", "x", "1", "y", "2", "x", "3"],
      ["hset", "b", "x", "1"],
      ["zadd", "z", "1", "m"],
      ["hset", "b", "y", "2"],
      // A malformed hset stays on its own, so the script refuses it rather than a joined one passing.
      ["hset", "b", "z"],
      ["hset", "b", "w", "4"],
    ]);
    // Never joined past what one operation may hold.
    const long = Array.from({ length: 600 }, (_, i) => String(i));
    const apart: ViewOp[] = [
      ["hset", "c", ...long],
      ["hset", "c", ...long],
    ];
    expect(joinAdjacentHashWrites(apart)).toEqual(apart);
  });
});
