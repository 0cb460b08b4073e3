import { context, ROOT_CONTEXT, SpanKind, trace, type Link, type Span } from "@opentelemetry/api";
import { beforeEveryEvent } from "../eventstore/position";
import { parseTraceparent } from "../eventstore/traceparent";
import type { ChangeFeed, ChangeNotice } from "../readmodels/change-feed";
import type { LiveSource } from "../readmodels/view";
import type { ViewChange } from "../readmodels/view-history";

/** One span per push to a subscriber, in the trace of the change that caused it (no-op unless on). */
const tracer = trace.getTracer("ledgerline.live");

/** One push of a live view: the view, the position it reflects, and whether changes were missed. */
export interface LiveUpdate<T> {
  readonly position: string;
  readonly view: T;
  /** True when the client asked to resume from a position older than the kept history: this is
   * the current view, and changes between its position and this one were not sent. */
  readonly missedChanges: boolean;
}

/** Where one view's changes come from (its view module gives it). */
export type LiveViewSource<T> = LiveSource<T>;

/**
 * The live-view protocol every subscription follows: listen first, then send the current view
 * (or, when resuming with `since`, exactly the changes after it), then each change from the view's
 * history, in order, by position — so nothing is skipped and nothing is sent twice.
 */
export function liveView<T>(
  changes: ChangeFeed,
  source: LiveViewSource<T>,
  since: string | null,
): AsyncIterableIterator<LiveUpdate<T>> {
  // Listening starts with the first read: a subscription the server never reads (refused before
  // its stream is served) must not leave a listener behind, collecting notices forever.
  let feed: ReturnType<ChangeFeed["listen"]> | null = null;
  let pushes: AsyncGenerator<LiveUpdate<T>, undefined> | null = null;
  let ended = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: async () => {
      if (ended) return { value: undefined, done: true };
      if (!pushes) {
        feed = changes.listen(source.channel);
        pushes = livePushes(changes, feed, source, since);
      }
      return pushes.next();
    },
    // A client that leaves while its view waits for the next change: stop listening now. (An async
    // generator takes `return()` only when it next yields, which on a quiet view may be never, and
    // the gateway would stay subscribed to the channel until a change came.)
    return: async () => {
      ended = true;
      feed?.close();
      await pushes?.return(undefined);
      return { value: undefined, done: true };
    },
  };
}

async function* livePushes<T>(
  changes: ChangeFeed,
  feed: ReturnType<ChangeFeed["listen"]>,
  source: LiveViewSource<T>,
  since: string | null,
): AsyncGenerator<LiveUpdate<T>, undefined> {
  // The subscription's own span (the request that opened it), linked from every push.
  const opened = trace.getSpanContext(context.active());
  const links: Link[] = opened && trace.isSpanContextValid(opened) ? [{ context: opened }] : [];
  try {
    await feed.ready;
    let last: string | null = since;
    if (since) {
      const missed = await source.changesSince(since);
      if (missed.complete) {
        for (const change of missed.changes) {
          last = change.position;
          yield { position: change.position, view: change.view, missedChanges: false };
        }
      } else {
        const current = await source.current();
        if (current) {
          last = current.position;
          yield { ...current, missedChanges: true };
        }
      }
    } else {
      const current = await source.current();
      if (current) {
        last = current.position;
        yield { ...current, missedChanges: false };
      }
    }
    for await (const notice of feed.notices) {
      const span = pushSpan(source.channel, notice, links);
      try {
        const since = last ?? beforeEveryEvent;
        // One read of the change for every subscriber of the channel that waits for the same.
        const read = () =>
          changes.readOnce(source.channel, since, () => source.changesSince(since), source.variant);
        const next = await (span ? context.with(trace.setSpan(context.active(), span), read) : read());
        span?.setAttribute("ledgerline.changes", next.changes.length);
        for (const change of next.changes) {
          last = change.position;
          yield sharedUpdate(change);
        }
      } finally {
        span?.end();
      }
    }
  } finally {
    feed.close();
  }
}

/**
 * The update of a change read once for every subscriber of its channel: one object for them all,
 * so the gateway executes each distinct subscription against it once (`server/shared-pushes.ts`).
 */
const updates = new WeakMap<ViewChange<unknown>, LiveUpdate<unknown>>();
function sharedUpdate<T>(change: ViewChange<T>): LiveUpdate<T> {
  let update = updates.get(change) as LiveUpdate<T> | undefined;
  if (!update) {
    update = Object.freeze({ position: change.position, view: change.view, missedChanges: false });
    updates.set(change, update);
  }
  return update;
}

/**
 * The push a notice causes: a child of the projector's span for the change (the notice carries its
 * traceparent), so a traced request's trace runs on to the subscribers it updated. A change that
 * was not traced gets no span (not a new trace per subscriber).
 */
function pushSpan(channel: string, notice: ChangeNotice, links: Link[]): Span | null {
  const parent = parseTraceparent(notice.traceparent);
  if (!parent) return null;
  return tracer.startSpan(
    "live push",
    {
      kind: SpanKind.PRODUCER,
      attributes: { "ledgerline.channel": channel, "ledgerline.notice": notice.message },
      links,
    },
    trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true }),
  );
}
