import type { Redis } from "ioredis";

/**
 * A change notice as published: the position of the change, then, when the event that caused it
 * was traced, a space and the W3C `traceparent` of the projector's span for it. Readers that
 * predate the trace take the message as a wake-up and never parse it, so both forms are read.
 */
export interface ChangeNotice {
  /** What the projection published (the position of the change). */
  readonly message: string;
  readonly traceparent: string | null;
}

export function noticeWithTrace(message: string, traceparent: string | null): string {
  return traceparent ? `${message} ${traceparent}` : message;
}

export function parseNotice(text: string): ChangeNotice {
  const space = text.indexOf(" ");
  return space < 0
    ? { message: text, traceparent: null }
    : { message: text.slice(0, space), traceparent: text.slice(space + 1) };
}

/**
 * Fans Redis pub/sub change notices out to in-process listeners. One subscriber connection per
 * gateway process, one Redis SUBSCRIBE per channel however many GraphQL subscriptions watch it;
 * notices published by any projector process reach every gateway.
 */
export class ChangeFeed {
  private readonly listeners = new Map<string, Set<(message: string) => void>>();
  /** The SUBSCRIBE of each channel, so a second listener waits for the same confirmation. */
  private readonly subscribed = new Map<string, Promise<void>>();
  /** Per channel, the number of the last notice it brought (one count over all channels, never reused). */
  private readonly lastNotice = new Map<string, number>();
  private notices = 0;

  constructor(private readonly subscriber: Redis) {
    subscriber.on("message", (channel: string, message: string) => {
      const listeners = this.listeners.get(channel);
      if (!listeners) return;
      this.lastNotice.set(channel, ++this.notices);
      for (const listener of listeners) listener(message);
    });
  }

  /** Open listeners (live views a client watches) and the channels they take, in this process. */
  listening(): { listeners: number; channels: number } {
    let listeners = 0;
    for (const set of this.listeners.values()) listeners += set.size;
    return { listeners, channels: this.listeners.size };
  }

  /** Reads of changes in flight, by channel, position and the last notice seen when each began. */
  private readonly readsInFlight = new Map<string, Promise<unknown>>();

  /**
   * `read()` of the changes on `channel` after `since`, shared by every caller asking for the same
   * while it runs, if they have seen the same last notice on the channel: a change to an account
   * a thousand clients watch is one read of its history, not a thousand. Only a read begun after
   * that notice arrived is shared, so it holds every change noticed so far; a caller that has seen
   * a later notice starts its own. Reads of one channel are interchangeable where their `variant`
   * is equal (what else decides their answer, see `LiveSource.variant`).
   */
  readOnce<R>(channel: string, since: string, read: () => Promise<R>, variant = ""): Promise<R> {
    const key = JSON.stringify([channel, variant, since, this.lastNotice.get(channel) ?? 0]);
    const pending = this.readsInFlight.get(key) as Promise<R> | undefined;
    if (pending) return pending;
    const started = read().finally(() => this.readsInFlight.delete(key));
    this.readsInFlight.set(key, started);
    return started;
  }

  /**
   * Notices on `channel`, buffered from the moment `ready` resolves (so a caller can subscribe
   * first and read the current view second, without missing a change in between).
   */
  listen(channel: string): {
    ready: Promise<void>;
    notices: AsyncIterableIterator<ChangeNotice>;
    close(): void;
  } {
    const queue: ChangeNotice[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const listener = (message: string) => {
      queue.push(parseNotice(message));
      wake?.();
    };
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.lastNotice.set(channel, ++this.notices);
      this.subscribed.set(
        channel,
        this.subscriber.subscribe(channel).then(() => undefined),
      );
    }
    set.add(listener);
    const ready = this.subscribed.get(channel)!;

    const close = () => {
      if (closed) return;
      closed = true;
      wake?.();
      const current = this.listeners.get(channel);
      current?.delete(listener);
      if (current && current.size === 0) {
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
        this.lastNotice.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };

    const notices: AsyncIterableIterator<ChangeNotice> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0 && !closed) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
        if (queue.length > 0) return { value: queue.shift()!, done: false };
        return { value: undefined, done: true };
      },
      async return() {
        close();
        return { value: undefined, done: true };
      },
    };
    return { ready, notices, close };
  }
}
