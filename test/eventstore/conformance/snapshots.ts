import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SnapshotStore } from "../../../eventstore/port";

/** The SnapshotStore port: the newest snapshot per stream, kept beside the events. */
export function snapshotConformance(store: () => SnapshotStore): void {
  const stream = () => `snap-${randomUUID()}`;

  it("reads back what was written, and null for a stream without one", async () => {
    const id = stream();
    expect(await store().readSnapshot(id)).toBeNull();
    await store().writeSnapshot({
      streamId: id,
      revision: 41,
      stateVersion: 3,
      state: { balance: 1200, tags: ["a"] },
    });
    const kept = await store().readSnapshot(id);
    expect(kept).toMatchObject({
      streamId: id,
      revision: 41,
      stateVersion: 3,
      state: { balance: 1200, tags: ["a"] },
    });
    expect(kept!.takenAt).toBeInstanceOf(Date);
  });

  it("keeps the later revision whatever order two writers arrive in", async () => {
    const id = stream();
    await store().writeSnapshot({ streamId: id, revision: 99, stateVersion: 1, state: { n: 99 } });
    await store().writeSnapshot({ streamId: id, revision: 50, stateVersion: 1, state: { n: 50 } });
    expect(await store().readSnapshot(id)).toMatchObject({ revision: 99, state: { n: 99 } });
    await store().writeSnapshot({ streamId: id, revision: 120, stateVersion: 1, state: { n: 120 } });
    expect(await store().readSnapshot(id)).toMatchObject({ revision: 120, state: { n: 120 } });
  });

  it("replaces a snapshot of another shape at the same revision", async () => {
    const id = stream();
    await store().writeSnapshot({ streamId: id, revision: 7, stateVersion: 1, state: { old: true } });
    await store().writeSnapshot({ streamId: id, revision: 7, stateVersion: 2, state: { shape: "new" } });
    expect(await store().readSnapshot(id)).toMatchObject({
      revision: 7,
      stateVersion: 2,
      state: { shape: "new" },
    });
  });

  it("deletes every snapshot of a prefix, and only those", async () => {
    const prefix = `snapdel-${randomUUID().slice(0, 8)}-`;
    await store().writeSnapshot({ streamId: `${prefix}a`, revision: 1, stateVersion: 1, state: {} });
    await store().writeSnapshot({ streamId: `${prefix}b`, revision: 1, stateVersion: 1, state: {} });
    const other = stream();
    await store().writeSnapshot({ streamId: other, revision: 1, stateVersion: 1, state: {} });
    expect(await store().deleteSnapshots(prefix)).toBe(2);
    expect(await store().readSnapshot(`${prefix}a`)).toBeNull();
    expect(await store().readSnapshot(other)).not.toBeNull();
  });
}
