import type { EventFilter } from "../port";
import type { SqlClient } from "./sql";

/** A notice payload that matches every subscriber (a burst too large to list, a reconnect). */
const everything = "*";
/** Stream ids one notice may list (a NOTIFY payload holds under 8,000 bytes). */
const maxListed = 64;
const maxPayloadLength = 7_000;
/** Notices remembered for subscribers that were reading the log when they came. */
const remembered = 256;

/** Whether a notice (the streams appended to, or "*") concerns a subscriber with this filter. */
export function noticeConcerns(payload: string, filter: EventFilter | undefined): boolean {
  const prefixes = filter?.streamPrefixes;
  if (!prefixes || prefixes.length === 0 || payload === everything || payload === "") return true;
  return payload.split("\n").some((streamId) => prefixes.some((prefix) => streamId.startsWith(prefix)));
}

/**
 * Append notices for the subscriptions of one store, over a single LISTEN (PostgreSQL) or the
 * in-process notification (PGlite). A notice says "these streams grew"; a subscriber whose filter
 * takes none of them sleeps on, so an append wakes only the groups it concerns. Subscribers then
 * read the log, so a lost notice costs latency (one idle wait), never an event.
 */
export class AppendWakeups {
  /** Counts notices, so a subscriber can tell whether one came while it was reading the log. */
  private notices = 0;
  /** The latest notices' payloads, by number (notice n is at n % remembered). */
  private readonly recent: string[] = [];
  private readonly sleepers = new Set<{ wake(): void; filter: EventFilter | undefined }>();
  private listening: Promise<(() => Promise<void>) | null> | null = null;
  private closed = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly channel: string,
  ) {}

  get seen(): number {
    return this.notices;
  }

  /** Starts listening (once per store); failures leave subscribers on idle polling. */
  start(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    this.listening ??= this.sql.listen(this.channel, (payload) => this.notify(payload)).catch(() => null);
    return this.listening;
  }

  /**
   * Resolves at the first notice after `seen` was read that concerns `filter` (at once if one came
   * already), after `timeoutMs`, or when `interrupt` is called.
   */
  wait(seen: number, timeoutMs: number, filter?: EventFilter): { done: Promise<void>; interrupt(): void } {
    if (this.closed || this.cameSince(seen, filter)) return { done: Promise.resolve(), interrupt: () => {} };
    let wake!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), timeoutMs);
      const sleeper = {
        filter,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      wake = sleeper.wake;
      this.sleepers.add(sleeper);
    });
    return { done, interrupt: () => wake() };
  }

  /** Whether a notice that concerns `filter` came after notice number `seen`. */
  private cameSince(seen: number, filter: EventFilter | undefined): boolean {
    if (this.notices === seen) return false;
    // Older than what is remembered: it may have concerned this subscriber.
    if (this.notices - seen > remembered) return true;
    for (let n = seen + 1; n <= this.notices; n++) {
      if (noticeConcerns(this.recent[n % remembered] ?? everything, filter)) return true;
    }
    return false;
  }

  private notify(payload: string): void {
    this.notices++;
    this.recent[this.notices % remembered] = payload;
    for (const sleeper of [...this.sleepers]) {
      if (noticeConcerns(payload, sleeper.filter)) sleeper.wake();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify(everything);
    const unlisten = await this.listening;
    await unlisten?.();
  }
}

/**
 * Tells every subscriber (any process) which streams grew, after the append committed. At most
 * one NOTIFY is in flight per store, and under a stream of appends at most one per
 * `minIntervalMs`: appends that commit meanwhile are covered by the next NOTIFY, listing their
 * streams (or "*" for more than a notice holds). The first append after a quiet spell is announced
 * at once, so a lone change reaches its subscribers without a wait; a busy store pays at most a
 * NOTIFY per interval (each is a transaction of its own). The cap moved no benchmark measurably;
 * it bounds what a busy store sends.
 */
export class AppendAnnouncer {
  private sending: Promise<void> | null = null;
  private pending = new Set<string>();
  private lastSentAt = -Infinity;

  constructor(
    private readonly sql: SqlClient,
    private readonly channel: string,
    private readonly minIntervalMs = 1,
  ) {}

  /** Fire and forget: a lost notice only delays subscribers until their idle poll. */
  announce(streamId: string): void {
    this.pending.add(streamId);
    this.sending ??= this.send();
  }

  /** Waits for the notice in flight (before the connections close). */
  async flush(): Promise<void> {
    await this.sending;
  }

  private async send(): Promise<void> {
    while (this.pending.size > 0) {
      const wait = this.lastSentAt + this.minIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const streams = [...this.pending];
      this.pending = new Set();
      const listed = streams.join("\n");
      const payload = streams.length > maxListed || listed.length > maxPayloadLength ? everything : listed;
      this.lastSentAt = performance.now();
      const sent = this.sql.notify
        ? this.sql.notify(this.channel, payload)
        : this.sql.query("SELECT pg_notify($1, $2)", [this.channel, payload]);
      await sent.catch(() => {});
    }
    this.sending = null;
  }
}
