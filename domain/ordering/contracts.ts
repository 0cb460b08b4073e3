import { contractsOf } from "../shared/contracts";
import { orderEventVersions } from "./events";
import { orderEventExamples } from "./examples";
import { orderStreamPrefix } from "./state";
import { orderEventUpcasters } from "./upcasters";

/** The published contracts of the order aggregate's events (see domain/event-catalogue.ts). */
export const orderEventContracts = contractsOf({
  streams: { context: "ordering", aggregate: "order", streamPrefix: orderStreamPrefix, idField: "orderId" },
  versions: orderEventVersions,
  upcasters: orderEventUpcasters,
  examples: orderEventExamples,
});
