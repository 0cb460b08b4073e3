import {
  currentVersion,
  fromStored,
  versioned,
  type EventSchemas,
  type StoredEvent,
} from "../shared/upcasting";
import { accountEventVersions, type AccountEvent } from "./events";

/** Banking events have had one shape so far: each is at version 1 and nothing needs lifting yet. */
export const accountEventUpcasters = {} as const;

/** Today's version of every account event (the number of its published versions) and its steps. */
export const accountEventSchemas: EventSchemas<AccountEvent> = versioned(
  accountEventVersions,
  accountEventUpcasters,
);

/** A stored account event in today's shape; an unknown type or version is refused (UnreadableEvent). */
export function accountEventFromStored(stored: StoredEvent): AccountEvent {
  return fromStored(accountEventSchemas, stored);
}

export function accountEventSchemaVersion(event: AccountEvent): number {
  return currentVersion(accountEventSchemas, event.type);
}
