import {
  ConsumerGroupNotFound,
  defaultConsumerGroupSettings,
  type ConsumerGroupInfo,
  type ConsumerGroupSettings,
  type ConsumerGroups,
  type ParkedEvent,
  type Position,
  type SubscribeOptions,
} from "../port";
import { settingsFromJson, settingsToJson, validSettings, type SettingsJson } from "./group-settings";
import { EVENT_COLUMNS, positionParams, toPositionOrNull, toRecordedEvent, type EventRow } from "./rows";
import type { SqlClient } from "./sql";
import { PostgresPersistentSubscription } from "./subscription";
import { AppendWakeups } from "./wakeups";

const DEFAULT_IDLE_WAIT_MS = 250;

/**
 * The ConsumerGroups port over PostgreSQL (and PGlite): administration of the groups here, the
 * delivery itself in subscription.ts. A group row holds the settings, the checkpoint (position of
 * the last settled event) and the lease of the consumer that holds it. One LISTEN per store
 * (wakeups.ts) wakes every subscription when the log grows.
 */
export class PostgresConsumerGroups implements ConsumerGroups {
  private readonly wakeups: AppendWakeups;
  private readonly subscriptions = new Set<PostgresPersistentSubscription>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlClient,
    private readonly channel: string,
    private readonly headPosition: () => Promise<Position | null>,
  ) {
    this.wakeups = new AppendWakeups(sql, channel);
  }

  /**
   * Creating an existing group replaces its settings with these, all but `startFrom`: where a group
   * starts was settled when it was made, and its checkpoint, lease and parked events stay as they
   * are. So a deployment picks up a changed batch size, lease or filter at its next start; a
   * consumer holding the group reads them when it next takes it (the lease renewal at once).
   */
  async createConsumerGroup(name: string, partial: Partial<ConsumerGroupSettings> = {}): Promise<void> {
    const settings = validSettings({ ...defaultConsumerGroupSettings, ...partial });
    const start = settings.startFrom;
    // The checkpoint is "the last settled position": 'end' settles everything visible now.
    const checkpoint = start === "start" ? null : start === "end" ? await this.headPosition() : start;
    // A filter left out is no filter: it is dropped from the stored settings, not kept.
    await this.sql.query(
      `INSERT INTO consumer_groups AS g (name, settings, checkpoint_commit, checkpoint_prepare)
       VALUES ($1, $2::jsonb, $3::xid8, $4::bigint)
       ON CONFLICT (name) DO UPDATE
       SET settings = excluded.settings || jsonb_build_object('startFrom', g.settings->'startFrom')
       WHERE (g.settings - 'startFrom') IS DISTINCT FROM (excluded.settings - 'startFrom')`,
      [name, JSON.stringify(settingsToJson(settings)), ...positionParams(checkpoint)],
    );
  }

  async getConsumerGroup(name: string): Promise<ConsumerGroupInfo | null> {
    const [row] = await this.sql.query<{
      settings: SettingsJson;
      commit: string | null;
      prepare: string | null;
      active_consumer: string | null;
      parked_count: number;
    }>(
      `SELECT g.settings, g.checkpoint_commit::text AS commit, g.checkpoint_prepare::text AS prepare,
              CASE WHEN g.lease_until > now() THEN g.owner END AS active_consumer,
              (SELECT count(*) FROM parked_events p
               WHERE p.group_name = g.name AND p.state <> 'retrying')::int AS parked_count
       FROM consumer_groups g WHERE g.name = $1`,
      [name],
    );
    if (!row) return null;
    return {
      name,
      settings: settingsFromJson(row.settings),
      checkpoint: toPositionOrNull(row.commit, row.prepare),
      parkedCount: row.parked_count,
      activeConsumer: row.active_consumer,
    };
  }

  /**
   * Moves the checkpoint. It also takes the group from its consumer, whose batch in hand can then
   * no longer store a checkpoint over the reset; the consumer takes the group again and continues
   * from the new checkpoint. Pending retries go too: the reset says where delivery starts.
   */
  async resetConsumerGroup(name: string, to: Position | null): Promise<void> {
    const [row] = await this.sql.query<{ found: number }>(
      `WITH reset AS (
         UPDATE consumer_groups
         SET checkpoint_commit = $2::xid8, checkpoint_prepare = $3::bigint,
             owner = NULL, owner_token = NULL, lease_until = NULL
         WHERE name = $1 RETURNING name
       ), dropped AS (
         DELETE FROM parked_events WHERE group_name IN (SELECT name FROM reset) AND state = 'retrying'
       )
       SELECT count(*)::int AS found FROM reset`,
      [name, ...positionParams(to)],
    );
    if (!row?.found) throw new ConsumerGroupNotFound(name);
  }

  async deleteConsumerGroup(name: string): Promise<void> {
    const rows = await this.sql.query("DELETE FROM consumer_groups WHERE name = $1 RETURNING name", [name]);
    if (rows.length === 0) throw new ConsumerGroupNotFound(name);
  }

  /** Parked events, oldest first; those asked back by a replay stay listed until acked. */
  async listParked(name: string, { limit = 100 }: { limit?: number } = {}): Promise<ParkedEvent[]> {
    const rows = await this.sql.query<EventRow & { reason: string; attempts: number; parked_at: Date }>(
      `SELECT p.reason, p.attempts, p.parked_at, ${EVENT_COLUMNS}
       FROM parked_events p
       JOIN events e ON e.transaction_id = p.event_commit AND e.global_seq = p.event_prepare
       WHERE p.group_name = $1 AND p.state <> 'retrying'
       ORDER BY p.parked_at, p.event_prepare LIMIT $2`,
      [name, limit],
    );
    if (rows.length === 0) await this.mustExist(name);
    return rows.map((row) => ({
      group: name,
      event: toRecordedEvent(row),
      reason: row.reason,
      attempts: row.attempts,
      parkedAt: row.parked_at,
    }));
  }

  /** Puts up to `limit` parked events (oldest first) back ahead of the log; wakes the consumer. */
  async replayParked(name: string, { limit }: { limit?: number } = {}): Promise<number> {
    const [row] = await this.sql.query<{ replayed: number }>(
      `WITH picked AS (
         SELECT event_prepare FROM parked_events
         WHERE group_name = $1 AND state = 'parked'
         ORDER BY parked_at, event_prepare LIMIT $2
         FOR UPDATE
       ), replayed AS (
         UPDATE parked_events p SET state = 'replaying'
         FROM picked WHERE p.group_name = $1 AND p.event_prepare = picked.event_prepare
         RETURNING 1
       )
       SELECT count(*)::int AS replayed, pg_notify($3, '') FROM replayed`,
      [name, limit ?? null, this.channel],
    );
    const replayed = row?.replayed ?? 0;
    if (replayed === 0) await this.mustExist(name);
    return replayed;
  }

  subscribe(group: string, options: SubscribeOptions): PostgresPersistentSubscription {
    if (this.closing) throw new Error("The event store is closed");
    const subscription = new PostgresPersistentSubscription({
      sql: this.sql,
      wakeups: this.wakeups,
      group,
      consumerName: options.consumerName,
      idleWaitMs: options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS,
      onClosed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Gives up every subscription's group and stops listening; the connections are the store's. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.shutdown()));
      this.subscriptions.clear();
      await this.wakeups.close();
    })();
    return this.closing;
  }

  private async mustExist(name: string): Promise<void> {
    const rows = await this.sql.query("SELECT 1 FROM consumer_groups WHERE name = $1", [name]);
    if (rows.length === 0) throw new ConsumerGroupNotFound(name);
  }
}
