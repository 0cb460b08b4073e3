import type { ChangeFeed } from "../readmodels/change-feed";
import type { LiveSource } from "../readmodels/view";

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
export async function* liveView<T>(
  changes: ChangeFeed,
  source: LiveViewSource<T>,
  since: string | null,
): AsyncGenerator<LiveUpdate<T>> {
  const feed = changes.listen(source.channel);
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
    for await (const _notice of feed.notices) {
      const next = await source.changesSince(last ?? "0:0");
      for (const change of next.changes) {
        last = change.position;
        yield { position: change.position, view: change.view, missedChanges: false };
      }
    }
  } finally {
    feed.close();
  }
}
