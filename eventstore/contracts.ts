import { identityStream } from "./identity";
import type { AppendOptions, AppendResult, EventStore, EventToAppend } from "./port";

/**
 * The published event contracts, as the store's door needs them. The port knows no event type:
 * whoever opens the store hands this in (server/ passes the domain's catalogue), so every adapter
 * refuses the same events the same way.
 */
export interface EventContracts {
  /**
   * Checks one event about to be appended to `streamId` and answers the stable id of the schema it
   * fits, which the stored envelope then carries (`metadata.schemaId`). Throws when the event does
   * not fit its contract: the append is then refused whole, before anything reaches the store.
   */
  check(
    streamId: string,
    event: { readonly type: string; readonly schemaVersion: number; readonly data: unknown },
  ): string;
}

/** The metadata field naming the schema an event was checked against at append. */
export const schemaIdField = "schemaId";

/**
 * The store with a door: every event of every append is checked against its contract first, and
 * stored naming its schema. One refused event refuses the whole append and nothing is written
 * (no event, no idempotency record). The store's own identity record (identity.ts) is the one
 * stream no contract covers. Reads, consumer groups, snapshots and closing are the store's own.
 */
export function withContracts(store: EventStore, contracts: EventContracts): EventStore {
  const appendToStream = async (
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> => {
    if (streamId === identityStream) return store.appendToStream(streamId, events, options);
    const checked = events.map((event) => {
      const schemaVersion = event.schemaVersion ?? 1;
      const schemaId = contracts.check(streamId, { type: event.type, schemaVersion, data: event.data });
      return { ...event, schemaVersion, metadata: { ...event.metadata, [schemaIdField]: schemaId } };
    });
    return store.appendToStream(streamId, checked, options);
  };
  // Everything but appends is the store's own: forwarded, bound to the store itself.
  return new Proxy(store, {
    get(target, property) {
      if (property === "appendToStream") return appendToStream;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
