import { randomUUID } from "node:crypto";
import {
  ConsumerGroupNotFound,
  EventStoreUnavailable,
  defaultConsumerGroupSettings,
  type ConsumerGroupSettings,
  type DeliveredEvent,
  type NackAction,
  type PersistentSubscription,
  type Position,
} from "../port";
import { BatchInHand } from "./batch";
import { settingsFromJson, type SettingsJson } from "./group-settings";
import {
  EVENT_COLUMNS,
  VISIBLE,
  matchesFilter,
  positionParams,
  toPosition,
  toRecordedEvent,
  type EventRow,
} from "./rows";
import { preparedStatement, type SqlClient } from "./sql";
import type { AppendWakeups } from "./wakeups";

export interface SubscriptionContext {
  readonly sql: SqlClient;
  readonly wakeups: AppendWakeups;
  readonly group: string;
  readonly consumerName: string;
  readonly idleWaitMs: number;
  /** Called once the subscription has let go of its group for good. */
  readonly onClosed: (subscription: PostgresPersistentSubscription) => void;
}

/** Longest pause after the store was unreachable before trying again. */
const MAX_OUTAGE_PAUSE_MS = 5_000;

/** A fetch found nothing it may deliver yet, but events of the group's are held back (HELD_BACK). */
const heldBack = "held back";

/**
 * Committed events a reader may not see yet (VISIBLE's complement among committed rows): their
 * transaction is not older than every one still running. What this statement's snapshot shows
 * of them has committed. Probed in log order, so the plan is a scan of the primary key's tail
 * from that bound (without an order, PostgreSQL may pick a scan of the whole table for LIMIT 1).
 */
const HELD_BACK = `e.transaction_id >= (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;

/** A settled batch's checkpoint, written only while this consumer holds the group. */
const MOVE_CHECKPOINT = preparedStatement(
  `UPDATE consumer_groups
   SET checkpoint_commit = coalesce($3::xid8, checkpoint_commit),
       checkpoint_prepare = coalesce($4::bigint, checkpoint_prepare)
   WHERE name = $1 AND owner_token = $2 RETURNING lease_until > now() AS leased`,
);

const RENEW_LEASE = preparedStatement(
  `UPDATE consumer_groups
   SET lease_until = now() + (settings->>'leaseTimeoutMs')::int * interval '1 millisecond'
   WHERE name = $1 AND owner_token = $2 RETURNING 1`,
);

/**
 * A consumer's connection to a group. Single active consumer: the group row carries a lease
 * (`owner_token`, `lease_until`) that the holder renews every leaseTimeoutMs / 3; others poll until
 * it is released or runs out. Every query that delivers or settles checks the token, so a consumer
 * that lost the group (lease expired, group reset) can no longer move its checkpoint.
 *
 * The checkpoint lives in the group row and is read on every fetch: it is the authority, and
 * whoever takes the group over continues from it.
 */
export class PostgresPersistentSubscription implements PersistentSubscription {
  private readonly token = randomUUID();
  private settings: ConsumerGroupSettings = defaultConsumerGroupSettings;
  private active = false;
  private closing = false;
  private iterating = false;
  private inHand: BatchInHand | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private pause: { done: Promise<void>; interrupt(): void } | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly context: SubscriptionContext) {}

  get isActive(): boolean {
    return this.active;
  }

  async *batches(): AsyncGenerator<readonly DeliveredEvent[]> {
    if (this.iterating) throw new Error("batches() of a subscription can be iterated only once");
    this.iterating = true;
    const { wakeups } = this.context;
    let outagePauseMs = this.context.idleWaitMs;
    try {
      await wakeups.start();
      // The next batch, read while the consumer works on the one in hand (see readAhead), and the
      // notices counted when it was read: one that came after is not missed by the sleep below.
      let ahead: { batch: Promise<BatchInHand | null>; seen: number } | null = null;
      let heldBackPauseMs = 0;
      while (!this.closing) {
        let batch: BatchInHand | null = null;
        let waiting = false;
        let seen = wakeups.seen;
        try {
          if (!this.active && !(await this.acquire())) {
            await this.sleep(this.timer(this.leasePollMs()));
            continue;
          }
          if (ahead) {
            batch = await ahead.batch;
            if (batch) seen = ahead.seen;
            ahead = null;
          }
          if (!batch) {
            const fetched = await this.fetch();
            waiting = fetched === heldBack;
            batch = fetched === heldBack ? null : fetched;
          }
          outagePauseMs = this.context.idleWaitMs;
        } catch (error) {
          if (!(error instanceof EventStoreUnavailable)) throw error;
          // The store comes back by itself; the lease, if lost meanwhile, is taken again.
          await this.sleep(this.timer(outagePauseMs));
          outagePauseMs = Math.min(outagePauseMs * 2, MAX_OUTAGE_PAUSE_MS);
          continue;
        }
        if (waiting) {
          // What comes next committed but is held back by an older transaction, whose end nothing
          // announces: look again soon, then less and less often (a session left open for
          // minutes costs a fetch per idle wait, as an idle group does).
          heldBackPauseMs = Math.min(Math.max(1, heldBackPauseMs * 2), this.context.idleWaitMs);
          await this.sleep(wakeups.wait(seen, heldBackPauseMs, this.settings.filter));
          continue;
        }
        heldBackPauseMs = 0;
        if (!batch) {
          if (this.settings.filter) await this.skipAhead();
          // Only an append to a stream this group takes wakes it (or the idle wait's end).
          await this.sleep(wakeups.wait(seen, this.context.idleWaitMs, this.settings.filter));
          continue;
        }
        this.inHand = batch;
        batch.deliver();
        const next = this.readAhead(batch, wakeups.seen);
        yield batch.events;
        // Once closed, moving on gives up what is unsettled instead of waiting for its timeout.
        if (this.closing && !batch.isSettled) batch.finish();
        await this.settledOrExpired(batch);
        this.inHand = null;
        // What was read ahead is the next batch only if this one ended as a plain run of the log
        // does: all acked and stored by this holder. Anything held back (a retry, a parking) is
        // redelivered first by a fresh fetch instead.
        if (next && batch.stored && batch.outcome.held.length === 0 && this.active && !this.closing) {
          ahead = next;
          continue;
        }
        // The fetch saw the end of the log, and every event was acked: until an append this group
        // takes is announced (or the idle wait ends), another fetch would find nothing. Skipping it
        // saves a query (and, filtered, the skip-ahead) per group per wake-up.
        if (batch.drainedLog && batch.isFinished && batch.outcome.held.length === 0 && !this.closing) {
          await this.sleep(wakeups.wait(seen, this.context.idleWaitMs, this.settings.filter));
        }
      }
    } finally {
      // Leaving the loop early (break, throw) gives up the batch in hand: delivered again later.
      this.closing = true;
      this.inHand?.finish();
      this.inHand = null;
      await this.release();
      this.context.onClosed(this);
    }
  }

  async ack(events: readonly DeliveredEvent[]): Promise<void> {
    const batch = this.inHand;
    if (!batch) return;
    for (const event of events) batch.settle(event, "ack", "", this.settings.maxRetryCount);
    await this.completeIfSettled(batch);
  }

  async nack(event: DeliveredEvent, action: NackAction, reason: string): Promise<void> {
    const batch = this.inHand;
    if (!batch) return;
    batch.settle(event, action, reason, this.settings.maxRetryCount);
    await this.completeIfSettled(batch);
  }

  /**
   * Stops delivery. With no batch in hand the group is released before this resolves. Otherwise
   * the consumer may still settle the batch in hand (its checkpoint is stored as usual) and the
   * group is released once it is stored, once the iteration moves on, or at the batch's message
   * timeout, whichever comes first; whatever is unsettled then goes to the next holder.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.pause?.interrupt();
      const batch = this.inHand;
      if (batch && this.active && !batch.isFinished) {
        void within(batch.done, batch.deadline - Date.now(), { holdProcess: false }).then(() =>
          this.release(),
        );
        return;
      }
      await this.release();
      if (!this.iterating) this.context.onClosed(this);
    })();
    return this.closed;
  }

  /** Store shutdown: give everything up at once, the batch in hand included. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.pause?.interrupt();
    this.inHand?.finish();
    await this.release();
  }

  /**
   * Test hook: behave like a process that died holding the group. Delivery and lease renewal stop;
   * the lease is left to run out, as it would after a crash.
   */
  simulateCrash(): void {
    this.closing = true;
    this.stopHeartbeat();
    this.active = false;
    this.pause?.interrupt();
    this.inHand?.finish();
    this.inHand = null;
    this.closed = Promise.resolve();
  }

  private async acquire(): Promise<boolean> {
    const rows = await this.context.sql.query<{ settings: SettingsJson; acquired: boolean }>(
      `WITH taken AS (
         UPDATE consumer_groups
         SET owner = $2, owner_token = $3,
             lease_until = now() + (settings->>'leaseTimeoutMs')::int * interval '1 millisecond'
         WHERE name = $1 AND (owner_token IS NULL OR owner_token = $3 OR lease_until <= now())
         RETURNING settings
       )
       SELECT settings, true AS acquired FROM taken
       UNION ALL
       SELECT settings, false FROM consumer_groups WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM taken)`,
      [this.context.group, this.context.consumerName, this.token],
    );
    const row = rows[0];
    if (!row) throw new ConsumerGroupNotFound(this.context.group);
    this.settings = settingsFromJson(row.settings);
    if (!row.acquired) return false;
    if (this.closing) {
      await this.releaseLease();
      return false;
    }
    this.active = true;
    this.startHeartbeat();
    return true;
  }

  /**
   * Next batch: events held back for this group (retries, then replays of parked events), then the
   * log after the checkpoint, visible events only (gap-free), in log order. Null when there is none
   * or the group is not ours any more.
   */
  private async fetch(after: Position | null = null): Promise<BatchInHand | typeof heldBack | null> {
    const { batchSize, filter, messageTimeoutMs } = this.settings;
    const params: unknown[] = [this.context.group, this.token, batchSize, ...positionParams(after)];
    // The group's filter, bound once for both the log's events and the held-back probe.
    const matching = matchesFilter(filter, params);
    let rows = await this.context.sql.query<
      EventRow & { redelivered: boolean | null; retry_count: number; ordinal: unknown }
    >(
      preparedStatement(`WITH grp AS (
         SELECT coalesce($4::xid8, checkpoint_commit, '0'::xid8) AS commit,
                coalesce($5::bigint, checkpoint_prepare, 0) AS prepare
         FROM consumer_groups WHERE name = $1 AND owner_token = $2 AND lease_until > now()
       ), redelivery AS (
         SELECT p.event_commit, p.event_prepare,
                CASE WHEN p.state = 'replaying' THEN 0 ELSE p.attempts END AS retry_count,
                row_number() OVER (
                  ORDER BY p.state = 'replaying', CASE WHEN p.state = 'replaying' THEN p.parked_at END,
                           p.event_commit, p.event_prepare) AS ordinal
         FROM parked_events p
         WHERE p.group_name = $1 AND p.state <> 'parked' AND EXISTS (SELECT 1 FROM grp)
         ORDER BY ordinal LIMIT $3
       )
       SELECT true AS redelivered, r.retry_count, r.ordinal, ${EVENT_COLUMNS}
       FROM redelivery r JOIN events e ON e.transaction_id = r.event_commit AND e.global_seq = r.event_prepare
       UNION ALL
       SELECT * FROM (
         SELECT false, 0, 0, ${EVENT_COLUMNS} FROM events e
         WHERE EXISTS (SELECT 1 FROM grp)
           AND (e.transaction_id, e.global_seq) > ((SELECT commit FROM grp), (SELECT prepare FROM grp))
           AND ${VISIBLE} AND ${matching}
         ORDER BY e.transaction_id, e.global_seq LIMIT $3
       ) log
       UNION ALL
       SELECT * FROM (
         SELECT NULL::boolean, 0, 0, ${EVENT_COLUMNS} FROM events e
         WHERE EXISTS (SELECT 1 FROM grp) AND ${HELD_BACK} AND ${matching}
         ORDER BY e.transaction_id, e.global_seq LIMIT 1
       ) held_back`),
      params,
    );
    // The held-back probe's row (redelivered NULL) is no event to deliver: it only says one waits.
    const waiting = rows.some((row) => row.redelivered === null);
    if (waiting) rows = rows.filter((row) => row.redelivered !== null);
    if (rows.length === 0) return waiting ? heldBack : null;

    const held = rows.filter((row) => row.redelivered).sort((a, b) => Number(a.ordinal) - Number(b.ordinal));
    const redelivered = new Set(held.map((row) => BigInt(row.prepare)));
    const events: DeliveredEvent[] = held
      .slice(0, batchSize)
      .map((row) => ({ ...toRecordedEvent(row), retryCount: row.retry_count }));
    let checkpoint = null;
    for (const row of rows) {
      if (row.redelivered || events.length >= batchSize) continue;
      checkpoint = toPosition(row.commit, row.prepare);
      // After a crash an event can be both pending a retry and past the checkpoint: deliver it once.
      if (!redelivered.has(checkpoint.prepare)) events.push({ ...toRecordedEvent(row), retryCount: 0 });
    }
    if (events.length === 0) return waiting ? heldBack : null;
    const batch = new BatchInHand(events, redelivered, checkpoint, messageTimeoutMs);
    // With events held back behind it the log is not drained: the loop looks again (see batches()).
    batch.drainedLog = held.length === 0 && rows.length < batchSize && !waiting;
    return batch;
  }

  /**
   * Reads the batch after this one while the consumer works on it, so reading the log overlaps
   * with applying it (a rebuild otherwise waits for each read in turn). Only for a batch of plain
   * log events that did not reach the log's end: after a redelivery or at the end there is little
   * to gain and more to get wrong. The read starts after this batch's last event, where the
   * checkpoint will be once it is stored; it is used only if it is (see batches()), and a read
   * that fails is simply not used.
   */
  private readAhead(
    batch: BatchInHand,
    seen: number,
  ): { batch: Promise<BatchInHand | null>; seen: number } | null {
    if (batch.drainedLog || batch.checkpoint === null || batch.redeliveredCount > 0) return null;
    const read = this.fetch(batch.checkpoint).then(
      (next) => (next === heldBack ? null : next),
      () => null,
    );
    return { batch: read, seen };
  }

  /**
   * A filtered group that found nothing to deliver moves its checkpoint to the head of the log, so
   * the next fetch does not scan again every event its filter skips (a group that takes order
   * events would otherwise rescan every account event on each wake-up). One statement, one
   * snapshot: it moves only if nothing matching lies between the checkpoint and that head, and no
   * retry or replay is pending.
   */
  private async skipAhead(): Promise<void> {
    const params: unknown[] = [this.context.group, this.token];
    const matching = matchesFilter(this.settings.filter, params);
    await this.context.sql
      .query(
        `WITH head AS (
           SELECT e.transaction_id AS commit, e.global_seq AS prepare FROM events e
           WHERE ${VISIBLE} ORDER BY e.transaction_id DESC, e.global_seq DESC LIMIT 1
         ), grp AS (
           SELECT coalesce(checkpoint_commit, '0'::xid8) AS commit, coalesce(checkpoint_prepare, 0) AS prepare
           FROM consumer_groups WHERE name = $1 AND owner_token = $2 AND lease_until > now()
         )
         UPDATE consumer_groups g
         SET checkpoint_commit = head.commit, checkpoint_prepare = head.prepare
         FROM head, grp
         WHERE g.name = $1 AND g.owner_token = $2
           AND (grp.commit, grp.prepare) < (head.commit, head.prepare)
           AND NOT EXISTS (SELECT 1 FROM parked_events p WHERE p.group_name = $1 AND p.state <> 'parked')
           AND NOT EXISTS (
             SELECT 1 FROM events e
             WHERE (e.transaction_id, e.global_seq) > (grp.commit, grp.prepare)
               AND (e.transaction_id, e.global_seq) <= (head.commit, head.prepare)
               AND ${matching}
           )`,
        params,
      )
      .catch((error: unknown) => {
        // An optimisation only: the next fetch scans as before.
        if (!(error instanceof EventStoreUnavailable)) throw error;
      });
  }

  private completeIfSettled(batch: BatchInHand): Promise<void> {
    if (batch.isSettled && !batch.completion) {
      batch.completion = this.complete(batch).finally(() => batch.finish());
    }
    return batch.completion ?? Promise.resolve();
  }

  /** Stores a settled batch: its retries and parkings, the rows it released, the checkpoint. */
  private async complete(batch: BatchInHand): Promise<void> {
    const { held, released } = batch.outcome;
    let leased = false;
    const moveCheckpoint = (sql: Pick<SqlClient, "query">) =>
      sql.query<{ leased: boolean }>(MOVE_CHECKPOINT, [
        this.context.group,
        this.token,
        ...positionParams(batch.checkpoint),
      ]);
    let owned: boolean;
    if (held.length === 0 && released.length === 0) {
      const [row] = await moveCheckpoint(this.context.sql);
      owned = row !== undefined;
      // A batch read ahead is delivered only while the lease runs: past it (the process stalled
      // beyond leaseTimeoutMs, say) another consumer may take the group from this checkpoint.
      leased = row?.leased === true;
    } else {
      owned = await this.context.sql
        .transaction(async (tx) => {
          if ((await moveCheckpoint(tx)).length === 0) throw new LeaseLost();
          await tx.query(
            `INSERT INTO parked_events (group_name, event_commit, event_prepare, state, reason, attempts)
             SELECT $1, * FROM unnest($2::xid8[], $3::bigint[], $4::text[], $5::text[], $6::int[])
             ON CONFLICT (group_name, event_prepare) DO UPDATE
             SET state = excluded.state, reason = excluded.reason, attempts = excluded.attempts,
                 parked_at = excluded.parked_at`,
            [
              this.context.group,
              held.map((h) => h.event.position.commit.toString()),
              held.map((h) => h.event.position.prepare.toString()),
              held.map((h) => h.state),
              held.map((h) => h.reason),
              held.map((h) => h.attempts),
            ],
          );
          await tx.query(
            "DELETE FROM parked_events WHERE group_name = $1 AND event_prepare = ANY($2::bigint[])",
            [this.context.group, released.map(String)],
          );
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof LeaseLost) return false;
          throw error;
        });
    }
    if (owned) batch.stored = leased;
    else this.lost();
  }

  /** Waits for the consumer to settle the batch; past its message timeout, the rest is retried. */
  private async settledOrExpired(batch: BatchInHand): Promise<void> {
    await within(batch.done, batch.deadline - Date.now());
    if (!batch.isSettled) {
      batch.expire(this.settings.maxRetryCount);
      await this.completeIfSettled(batch).catch(() => {});
    }
    await batch.done;
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const every = Math.max(10, Math.floor(this.settings.leaseTimeoutMs / 3));
    this.heartbeat = setInterval(() => void this.renewLease(), every);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async renewLease(): Promise<void> {
    try {
      const rows = await this.context.sql.query(RENEW_LEASE, [this.context.group, this.token]);
      if (rows.length === 0) this.lost();
    } catch {
      // Unreachable store: try again at the next beat; the lease runs out if this lasts.
    }
  }

  /** The group went to another consumer (or was reset or deleted): deliver nothing more from here. */
  private lost(): void {
    this.active = false;
    this.stopHeartbeat();
  }

  private async release(): Promise<void> {
    this.stopHeartbeat();
    if (!this.active) return;
    this.active = false;
    await this.releaseLease().catch(() => {});
  }

  private async releaseLease(): Promise<void> {
    await this.context.sql.query(
      `UPDATE consumer_groups SET owner = NULL, owner_token = NULL, lease_until = NULL
       WHERE name = $1 AND owner_token = $2`,
      [this.context.group, this.token],
    );
  }

  private leasePollMs(): number {
    return Math.max(10, Math.min(this.context.idleWaitMs, Math.floor(this.settings.leaseTimeoutMs / 3)));
  }

  private timer(ms: number): { done: Promise<void>; interrupt(): void } {
    let interrupt!: () => void;
    const done = new Promise<void>((resolve) => {
      const handle = setTimeout(resolve, ms);
      interrupt = () => {
        clearTimeout(handle);
        resolve();
      };
    });
    return { done, interrupt };
  }

  private async sleep(pause: { done: Promise<void>; interrupt(): void }): Promise<void> {
    this.pause = pause;
    if (this.closing) pause.interrupt();
    await pause.done;
    this.pause = null;
  }
}

class LeaseLost extends Error {}

/**
 * Waits for `promise` at most `ms`, leaving no timer behind. A wait nobody awaits (a deferred
 * release) should not keep the process alive on its own: `holdProcess: false`.
 */
async function within(promise: Promise<void>, ms: number, { holdProcess = true } = {}): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
    if (!holdProcess) timer.unref();
  });
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}
