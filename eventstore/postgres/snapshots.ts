import type { JsonValue, Snapshot, SnapshotStore } from "../port";
import type { SqlClient } from "./sql";

/**
 * Snapshots in PostgreSQL (and PGlite): one row per stream, the newest. A write of an older
 * revision than the row's loses (two commands racing to snapshot one stream keep the later).
 */
export class PostgresSnapshots implements SnapshotStore {
  constructor(private readonly sql: SqlClient) {}

  async readSnapshot(streamId: string): Promise<Snapshot | null> {
    const [row] = await this.sql.query<{
      revision: string;
      state_version: number;
      state: JsonValue;
      taken_at: Date | string;
    }>(
      `SELECT revision::text AS revision, state_version, state, taken_at FROM snapshots WHERE stream_id = $1`,
      [streamId],
    );
    if (!row) return null;
    return {
      streamId,
      revision: Number(row.revision),
      stateVersion: row.state_version,
      state: row.state,
      takenAt: new Date(row.taken_at),
    };
  }

  async writeSnapshot(snapshot: Omit<Snapshot, "takenAt">): Promise<void> {
    await this.sql.query(
      `INSERT INTO snapshots (stream_id, revision, state_version, state) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (stream_id) DO UPDATE
         SET revision = excluded.revision, state_version = excluded.state_version,
             state = excluded.state, taken_at = now()
       WHERE snapshots.revision < excluded.revision
          OR (snapshots.revision = excluded.revision AND snapshots.state_version <> excluded.state_version)`,
      [snapshot.streamId, snapshot.revision, snapshot.stateVersion, JSON.stringify(snapshot.state)],
    );
  }

  async deleteSnapshots(streamPrefix?: string): Promise<number> {
    const rows = streamPrefix
      ? await this.sql.query(`DELETE FROM snapshots WHERE starts_with(stream_id, $1) RETURNING 1`, [
          streamPrefix,
        ])
      : await this.sql.query(`DELETE FROM snapshots RETURNING 1`);
    return rows.length;
  }
}
