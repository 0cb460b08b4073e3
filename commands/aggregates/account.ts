import type { AccountCommand } from "../../domain/banking/commands";
import { accountDecider } from "../../domain/banking/decider";
import type { AccountEvent } from "../../domain/banking/events";
import { accountStreamId, type AccountState } from "../../domain/banking/state";
import { accountEventFromStored, accountEventSchemaVersion } from "../../domain/banking/upcasters";
import type { AggregateType } from "../aggregate";

export const accountAggregate: AggregateType<AccountCommand, AccountEvent, AccountState> = {
  name: "account",
  decider: accountDecider,
  streamId: accountStreamId,
  // An unknown type or schema version is refused (UnreadableEvent) rather than folded as today's shape.
  fromStored: accountEventFromStored,
  schemaVersionOf: accountEventSchemaVersion,
  stateVersion: 1,
};
