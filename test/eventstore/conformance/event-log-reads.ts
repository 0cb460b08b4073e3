import type { StoreLimit } from "../../support/eventstores";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EventLog, RecordedEvent } from "../../../eventstore/port";
import { comparePositions } from "../../../eventstore/position";
import { appendOneByOne, events, idsOf, sleep, uniqueStream } from "../helpers";

/** Stream reads (aggregate loading, time travel) and the global log (projections). */
export function readConformance(log: () => EventLog, limits: readonly StoreLimit[] = []): void {
  describe("readStream", () => {
    it("returns events as appended, with data, metadata, schema version and record time", async () => {
      const stream = uniqueStream();
      const id = randomUUID();
      const before = new Date(Date.now() - 60_000);
      await log().appendToStream(stream, [
        {
          id,
          type: "AccountOpened",
          data: { owner: "Ada", limits: { daily: "100.00" }, tags: ["vip"], note: null },
          metadata: { correlationId: "c-1", userId: "u-1", nested: { deep: [1, 2] } },
          schemaVersion: 2,
        },
      ]);
      const [event] = await log().readStream(stream);
      expect(event).toMatchObject({
        id,
        streamId: stream,
        revision: 0,
        type: "AccountOpened",
        data: { owner: "Ada", limits: { daily: "100.00" }, tags: ["vip"], note: null },
        metadata: { correlationId: "c-1", userId: "u-1", nested: { deep: [1, 2] } },
        schemaVersion: 2,
      });
      expect(event!.recordedAt).toBeInstanceOf(Date);
      expect(event!.recordedAt.getTime()).toBeGreaterThan(before.getTime());
      expect(typeof event!.position.commit).toBe("bigint");
    });

    it("defaults metadata to {} and schema version to 1", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(1));
      expect(await log().readStream(stream)).toMatchObject([{ metadata: {}, schemaVersion: 1 }]);
    });

    it("reads forwards and backwards, from a revision (inclusive), at most maxCount", async () => {
      const stream = uniqueStream();
      await appendOneByOne(log(), stream, 5);
      const revisions = (found: RecordedEvent[]) => found.map((event) => event.revision);
      expect(revisions(await log().readStream(stream))).toEqual([0, 1, 2, 3, 4]);
      expect(revisions(await log().readStream(stream, { direction: "backwards" }))).toEqual([4, 3, 2, 1, 0]);
      expect(revisions(await log().readStream(stream, { fromRevision: 2 }))).toEqual([2, 3, 4]);
      expect(revisions(await log().readStream(stream, { fromRevision: 2, maxCount: 2 }))).toEqual([2, 3]);
      expect(revisions(await log().readStream(stream, { direction: "backwards", fromRevision: 2 }))).toEqual([
        2, 1, 0,
      ]);
      expect(revisions(await log().readStream(stream, { direction: "backwards", maxCount: 1 }))).toEqual([4]);
    });

    it("reads the stream as it was at an instant (until, inclusive)", async () => {
      const stream = uniqueStream();
      await log().appendToStream(stream, events(2));
      const [, second] = await log().readStream(stream);
      await sleep(5);
      await log().appendToStream(stream, events(1));
      const asOfSecond = await log().readStream(stream, { until: second!.recordedAt });
      expect(asOfSecond.map((event) => event.revision)).toEqual([0, 1]);
      expect(await log().readStream(stream, { until: new Date(0) })).toEqual([]);
    });

    it("returns [] for an unknown stream", async () => {
      expect(await log().readStream(uniqueStream())).toEqual([]);
      expect(await log().readStream(uniqueStream(), { direction: "backwards" })).toEqual([]);
    });
  });

  describe("global log", () => {
    it("reads after a position in commit order, with maxCount", async () => {
      const start = await log().headPosition();
      const a = uniqueStream();
      const b = uniqueStream();
      await log().appendToStream(a, events(2));
      await log().appendToStream(b, events(1));
      await log().appendToStream(a, events(1));
      // Readers see a commit once every older transaction on the server has ended (gap-free
      // rule): a busy server (other suites) may hold that back for a moment.
      let all = await log().readAll({ after: start ?? undefined });
      for (let i = 0; i < 100 && all.filter((e) => e.streamId === a || e.streamId === b).length < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        all = await log().readAll({ after: start ?? undefined });
      }
      expect(all.map((event) => [event.streamId, event.revision])).toEqual([
        [a, 0],
        [a, 1],
        [b, 0],
        [a, 2],
      ]);
      for (let i = 1; i < all.length; i++) {
        expect(comparePositions(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
      }
      // Events of one append share its commit; prepare orders them.
      if (!limits.includes("per-event-commit")) expect(all[0]!.position.commit).toBe(all[1]!.position.commit);

      const firstTwo = await log().readAll({ after: start ?? undefined, maxCount: 2 });
      expect(idsOf(firstTwo)).toEqual(idsOf(all.slice(0, 2)));
      const rest = await log().readAll({ after: firstTwo[1]!.position });
      expect(idsOf(rest)).toEqual(idsOf(all.slice(2)));
    });

    it("reads from the start of the log when no position is given", async () => {
      await log().appendToStream(uniqueStream(), events(1));
      const [oldest] = await log().readAll({ maxCount: 1 });
      const everything = await log().readAll();
      expect(everything[0]).toEqual(oldest);
      expect(everything.length).toBe(await log().countAfter(null));
    });

    it("filters by stream prefix and by event type", async () => {
      const start = (await log().headPosition()) ?? undefined;
      const tag = randomUUID().slice(0, 8);
      const accounts = `acct${tag}`;
      const orders = `order${tag}`;
      await log().appendToStream(`${accounts}-1`, [
        ...events(1, "AccountOpened"),
        ...events(1, "MoneyDeposited"),
      ]);
      await log().appendToStream(`${orders}-1`, events(1, "OrderPlaced"));
      await log().appendToStream(`${accounts}-2`, events(1, "AccountOpened"));

      const byPrefix = await log().readAll({ after: start, filter: { streamPrefixes: [`${accounts}-`] } });
      expect(byPrefix.map((event) => event.streamId)).toEqual([
        `${accounts}-1`,
        `${accounts}-1`,
        `${accounts}-2`,
      ]);

      const byType = await log().readAll({
        after: start,
        filter: { eventTypes: ["AccountOpened", "OrderPlaced"] },
      });
      expect(byType.map((event) => event.type)).toEqual(["AccountOpened", "OrderPlaced", "AccountOpened"]);

      const both = await log().readAll({
        after: start,
        filter: { streamPrefixes: [`${orders}-`, `${accounts}-2`], eventTypes: ["AccountOpened"] },
      });
      expect(both.map((event) => event.streamId)).toEqual([`${accounts}-2`]);

      // A prefix is literal text: as a LIKE pattern, "_" and "%" would match these streams.
      const wildcards = [`${accounts.slice(0, 5)}_`, "%"];
      expect(await log().readAll({ after: start, filter: { streamPrefixes: wildcards } })).toEqual([]);
    });

    it("headPosition is the newest visible event; countAfter counts what follows a position", async () => {
      const stream = uniqueStream();
      const before = await log().headPosition();
      await log().appendToStream(stream, events(1, "AccountOpened"));
      const last = await log().appendToStream(stream, events(2));
      expect(await log().headPosition()).toEqual(last.position);
      expect(await log().countAfter(before)).toBe(3);
      expect(await log().countAfter(before, { eventTypes: ["AccountOpened"] })).toBe(1);
      expect(await log().countAfter(before, { streamPrefixes: [stream] })).toBe(3);
      expect(await log().countAfter(last.position)).toBe(0);
    });
  });
}
