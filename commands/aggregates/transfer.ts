import type { TransferCommand } from "../../domain/transfers/commands";
import { transferDecider } from "../../domain/transfers/decider";
import type { TransferEvent } from "../../domain/transfers/events";
import { transferStreamId, type TransferState } from "../../domain/transfers/state";
import { transferEventFromStored, transferEventSchemaVersion } from "../../domain/transfers/upcasters";
import type { AggregateType } from "../aggregate";

export const transferAggregate: AggregateType<TransferCommand, TransferEvent, TransferState> = {
  name: "transfer",
  decider: transferDecider,
  streamId: transferStreamId,
  // An unknown type or schema version is refused (UnreadableEvent) rather than folded as today's shape.
  fromStored: transferEventFromStored,
  schemaVersionOf: transferEventSchemaVersion,
  stateVersion: 1,
};
