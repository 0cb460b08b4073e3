import type { SqlClient } from "./sql";

/**
 * Append notices for the subscriptions of one store, over a single LISTEN (PostgreSQL) or the
 * in-process notification (PGlite). A notice only says "the log may have grown"; subscribers then
 * read the log, so a lost notice costs latency (one idle wait), never an event.
 */
export class AppendWakeups {
  /** Counts notices, so a subscriber can tell whether one came while it was reading the log. */
  private notices = 0;
  private readonly sleepers = new Set<() => void>();
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
    this.listening ??= this.sql.listen(this.channel, () => this.notify()).catch(() => null);
    return this.listening;
  }

  /**
   * Resolves at the first notice after `seen` was read (at once if one came already), after
   * `timeoutMs`, or when `interrupt` is called.
   */
  wait(seen: number, timeoutMs: number): { done: Promise<void>; interrupt(): void } {
    if (this.notices !== seen || this.closed) return { done: Promise.resolve(), interrupt: () => {} };
    let wake!: () => void;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), timeoutMs);
      wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
    });
    return { done, interrupt: () => wake() };
  }

  private notify(): void {
    this.notices++;
    for (const wake of [...this.sleepers]) wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    const unlisten = await this.listening;
    await unlisten?.();
  }
}

/**
 * Tells every subscriber (any process) that the log has grown, after the append committed. At most
 * one NOTIFY is in flight per store: appends that commit meanwhile are covered by one more NOTIFY
 * sent when it returns, so a burst of appends costs a couple of statements, not one each.
 */
export class AppendAnnouncer {
  private sending: Promise<void> | null = null;
  private pending = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly channel: string,
  ) {}

  /** Fire and forget: a lost notice only delays subscribers until their idle poll. */
  announce(): void {
    this.pending = true;
    this.sending ??= this.send();
  }

  /** Waits for the notice in flight (before the connections close). */
  async flush(): Promise<void> {
    await this.sending;
  }

  private async send(): Promise<void> {
    while (this.pending) {
      this.pending = false;
      await this.sql.query("SELECT pg_notify($1, '')", [this.channel]).catch(() => {});
    }
    this.sending = null;
  }
}
