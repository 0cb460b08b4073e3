import type { AccountCommand } from "../../domain/banking/commands";
import { accountDecider } from "../../domain/banking/decider";
import type { AccountEvent } from "../../domain/banking/events";
import { accountStreamId, type AccountState } from "../../domain/banking/state";
import type { AggregateType } from "../aggregate";

export const accountAggregate: AggregateType<AccountCommand, AccountEvent, AccountState> = {
  name: "account",
  decider: accountDecider,
  streamId: accountStreamId,
  // Banking events have had one shape so far (schema version 1): nothing to upcast yet.
  fromStored: (event) => ({ type: event.type, data: event.data }) as AccountEvent,
  schemaVersionOf: () => 1,
  stateVersion: 1,
};
