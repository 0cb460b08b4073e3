import { eventTypeFilter, jsonEvent } from "@kurrent/kurrentdb-client";
import { randomUUID } from "node:crypto";
import type { JsonValue, Snapshot, SnapshotStore } from "../port";
import type { KurrentIo } from "./io";
import { readLastEvent } from "./reads";

/*
 * Snapshots on KurrentDB: a stream per aggregate, `ledgerline.snapshot-<stream id>`, holding one
 * event (max count 1: the server scavenges older ones). The event type starts with "$", so readers
 * of the global log never see snapshots as domain events.
 */
const SNAPSHOT = "$ledgerline.snapshot";
const streamOf = (streamId: string) => `ledgerline.snapshot-${streamId}`;

interface StoredSnapshot {
  streamId: string;
  revision: number;
  stateVersion: number;
  state: JsonValue;
  takenAt: string;
}

export class KurrentDbSnapshots implements SnapshotStore {
  constructor(private readonly io: KurrentIo) {}

  async readSnapshot(streamId: string): Promise<Snapshot | null> {
    const event = await readLastEvent(this.io, streamOf(streamId));
    if (!event || event.type !== SNAPSHOT) return null;
    const stored = event.data as unknown as StoredSnapshot;
    return { ...stored, streamId, takenAt: new Date(stored.takenAt) };
  }

  async writeSnapshot(snapshot: Omit<Snapshot, "takenAt">): Promise<void> {
    const kept = await this.readSnapshot(snapshot.streamId);
    if (
      kept &&
      (kept.revision > snapshot.revision ||
        (kept.revision === snapshot.revision && kept.stateVersion === snapshot.stateVersion))
    ) {
      return;
    }
    const stream = streamOf(snapshot.streamId);
    const data: StoredSnapshot = { ...snapshot, takenAt: new Date().toISOString() };
    const result = await this.io.once(
      () =>
        this.io.client.appendToStream(
          stream,
          jsonEvent({ id: randomUUID(), type: SNAPSHOT, data: data as unknown as Record<string, unknown> }),
        ),
      { streamId: stream },
    );
    // The first snapshot of an aggregate: keep one event only from now on.
    if (result.nextExpectedRevision === 0n) {
      await this.io.retrying(() => this.io.client.setStreamMetadata(stream, { maxCount: 1 }), {
        streamId: stream,
      });
    }
  }

  async deleteSnapshots(streamPrefix?: string): Promise<number> {
    const streams = new Set<string>();
    await this.io.retrying(async () => {
      for await (const { event } of this.io.client.readAll({
        filter: eventTypeFilter({ prefixes: [SNAPSHOT] }),
        resolveLinkTos: false,
      })) {
        if (!event || event.type !== SNAPSHOT) continue;
        const streamId = (event.data as unknown as StoredSnapshot).streamId;
        if (!streamPrefix || streamId.startsWith(streamPrefix)) streams.add(event.streamId);
      }
    });
    let deleted = 0;
    for (const stream of streams) {
      try {
        await this.io.retrying(() => this.io.client.deleteStream(stream), { streamId: stream });
        deleted++;
      } catch {
        // Already gone (a concurrent delete): nothing to count.
      }
    }
    return deleted;
  }
}
