import { randomUUID } from "node:crypto";
import { WrongExpectedRevision, type EventLog } from "./port";

/** A stream no projector reads, holding the store's identity in its first event. */
export const identityStream = "ledgerline-store-identity";

/**
 * The store's identity: a UUID written once, in the log itself, so it lives and dies with the log.
 * Read models remember it; when they find another one, they were built from another log (say,
 * `./data` was deleted while Redis kept its keys) and must be rebuilt. Uses only the port, so it is
 * the same on every adapter.
 */
export async function storeIdentity(store: EventLog): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [first] = await store.readStream(identityStream, { maxCount: 1 });
    if (first) return String(first.data.storeId);
    try {
      await store.appendToStream(
        identityStream,
        [{ id: randomUUID(), type: "StoreCreated", data: { storeId: randomUUID() } }],
        { expectedRevision: "no_stream" },
      );
    } catch (error) {
      // Another process created it first: read theirs.
      if (!(error instanceof WrongExpectedRevision)) throw error;
    }
  }
  throw new Error("could not read or create the store identity");
}
