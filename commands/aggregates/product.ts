import type { ProductCommand } from "../../domain/catalog/commands";
import { productDecider } from "../../domain/catalog/decider";
import type { ProductEvent } from "../../domain/catalog/events";
import { productStreamId, type ProductState } from "../../domain/catalog/state";
import { productEventFromStored, productEventSchemaVersion } from "../../domain/catalog/upcasters";
import type { AggregateType } from "../aggregate";

export const productAggregate: AggregateType<ProductCommand, ProductEvent, ProductState> = {
  name: "product",
  decider: productDecider,
  streamId: productStreamId,
  fromStored: productEventFromStored,
  schemaVersionOf: productEventSchemaVersion,
  stateVersion: 2,
};
