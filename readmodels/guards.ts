import type { RecordedEvent } from "../eventstore/port";
import type { Guard } from "./batch-writer";
import type { ReadModelKeys } from "./keys";

/** Views that count across many streams: the projector's ledger remembers each stream's revision. */
export function ledgerGuard(keys: ReadModelKeys, projector: string, event: RecordedEvent): Guard {
  return { key: keys.ledger(projector, event.streamId), field: event.streamId, revision: event.revision };
}

/** A view of one entity: its own hash keeps the revision it reflects. */
export function entityGuard(key: string, event: RecordedEvent): Guard {
  return { key, field: "revision", revision: event.revision };
}
