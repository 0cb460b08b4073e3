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

  constructor(private readonly subscriber: Redis) {
    subscriber.on("message", (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
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
