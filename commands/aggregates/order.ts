import type { OrderCommand } from "../../domain/ordering/commands";
import { orderDecider } from "../../domain/ordering/decider";
import type { OrderEvent } from "../../domain/ordering/events";
import { orderStreamId, type OrderState } from "../../domain/ordering/state";
import { orderEventFromStored, orderEventSchemaVersion } from "../../domain/ordering/upcasters";
import type { AggregateType } from "../aggregate";

export const orderAggregate: AggregateType<OrderCommand, OrderEvent, OrderState> = {
  name: "order",
  decider: orderDecider,
  streamId: orderStreamId,
  // Lifts older schema versions (OrderPlaced v1) to today's shape before the decider folds them.
  fromStored: orderEventFromStored,
  schemaVersionOf: orderEventSchemaVersion,
  stateVersion: 2,
};
