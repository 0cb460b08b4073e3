import {
  currentVersion,
  fromStored,
  versioned,
  type EventSchemas,
  type StoredEvent,
} from "../shared/upcasting";
import { transferEventVersions, type TransferEvent } from "./events";

/** Transfer events have had one shape so far: each is at version 1 and nothing needs lifting yet. */
export const transferEventUpcasters = {} as const;

/** Today's version of every transfer event (the number of its published versions) and its steps. */
export const transferEventSchemas: EventSchemas<TransferEvent> = versioned(
  transferEventVersions,
  transferEventUpcasters,
);

/** A stored transfer event in today's shape; an unknown type or version is refused (UnreadableEvent). */
export function transferEventFromStored(stored: StoredEvent): TransferEvent {
  return fromStored(transferEventSchemas, stored);
}

export function transferEventSchemaVersion(event: TransferEvent): number {
  return currentVersion(transferEventSchemas, event.type);
}
